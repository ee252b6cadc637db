/**
 * Keys made with OpenSSH's ssh-keygen, with the fingerprints ssh-keygen -lf printed for them: checks that
 * hold on machines without ssh-keygen.
 */
export const SSH_KEYGEN_VECTORS = [
  {
    line: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMrgMkDBTrr9sF074khwrFo0ffN3bni7eu5ejsuDw2ib vector',
    fingerprint: 'SHA256:rIauA+6GVFYx3yhuVm6ck+gMOYaG3x8wD3nSu7mnq9A',
    algorithm: 'ed25519',
    display: 'ED25519',
  },
  {
    line: 'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBE7KYuAOAMzXwAyxmLlTphESoJFVBRJyXgPhp6LCeAujY5x4QVLrRIRWCChe2d0uXUwH6lanYjHAIeDLEQGIPUTUUtzyYe3GIky1ICPCi4WR7MdqeNcwsJLM0Bcs9RVYhg== p384',
    fingerprint: 'SHA256:J8Jx9YUrrwe3Xh0Kj7IRlY/7oZiv7gHKcmELbpqbIa8',
    algorithm: 'ecdsa-p384',
    display: 'ECDSA P-384',
  },
  {
    line: 'ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAFwCkG//W39tXnvJAcP9IcIrZR8aHBUeg3srO0UHfCvishNQhkrU0sg7hyROEQvX18I2K3kKhX15CFgD4e73LCWYgDVJhRJhR06aS9doXF8WmJ+462B7MriPTM9yn0P7Z75PrFI/wo1o49Ay7/0ZoSq7CXyMVJWafN0MBrrhDh0Mls/fg== p521',
    fingerprint: 'SHA256:BMfMIL2STrHGByUBXVPiv2lVwjLfBD03Yp5Gc7IspUs',
    algorithm: 'ecdsa-p521',
    display: 'ECDSA P-521',
  },
  {
    line: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCfe4/t4pIX27/eeUuF7S8ML99OuAjg0K8a3w2SZMMzBXg7diXHU3DDQP7O6BjuXFUevlqbNX18UAdXyzdiQZ9CeUKTB/Y3YpYPh1XarXsc8RDnmYKHNJGF5h3u27DL0Hg9jVz4bL2p6fYAb8RMMAwFJVEXkMvR7qPo9oAxICeaY/9MXUbzuhAjvGhKMoXaNLPHQDF0mhepaslz3SvJlsOE9E/8w0FBulZBPxUXeBUwzoMF8/0jIaUq21ialHXlycvYIZuGJtTwHPHpv+RBKVvN5IediBZH7gyVFugzH+iVrO+a542w13FWXNlDWjN2o3QtF6bmTqrEximv1KYnFJCuH0UmBd6YV87c5VR19IYtw4u9eBzOceyECw5rLwtgy11/XZ4rLfsy6TIGG8Vp4nzxrFAFnt2Xwr7yRSYo8JHfW0jo6NX9l7MG8iBuWoHmpxE1w3nvMnLzLvHvwVIlYKAyXy27PNlAgHyLp9Wb78/1DBF4yN8K6UDn7WE8XTcB0WE= rsa3072',
    fingerprint: 'SHA256:t9tjydL81MuzDOkzidPEm+i2qSfcEoLGLglV0D+l4A4',
    algorithm: 'rsa-3072',
    display: 'RSA 3072',
  },
] as const;

/** `ssh-keygen -t ed25519 -a 4 -N 'correct horse' -C vector`: the private half of the first vector above. */
export const SSH_KEYGEN_ENCRYPTED_ED25519 = {
  passphrase: 'correct horse',
  publicLine: SSH_KEYGEN_VECTORS[0].line,
  privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDrlm9j7o
XkckVCZ9j/ojePAAAABAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIMrgMkDBTrr9sF07
4khwrFo0ffN3bni7eu5ejsuDw2ibAAAAkMjh8+GyhZWvRtkzekzz+tSm+AzkLo9UlU/zi5
BD+Sls+WiBz2oZOwuUf4E+7oq2nW6KP0lHHFMnckClRDq0SxcQxA9QZ5F2daITA1X1T2/o
kVl40ZIn7ErqUJ23eVWXq2f4CFzbN0ND54+F6aWdMTz/C9kHpDwYJ8M2rJpoifOAVO5KkD
0a3qaN4UekqpYK+g==
-----END OPENSSH PRIVATE KEY-----
`,
};
