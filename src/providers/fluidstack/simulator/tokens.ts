import { createHmac } from 'node:crypto';
import { SimTokenIssuer } from '../../kit/sim/token-issuer.ts';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * The simulated identity provider's access tokens: JWT-shaped like the real ones (`header.payload.signature`,
 * HS256 over a per-boot secret, with `aud`, `iat` and `exp`), kept by the kit's issuer, which decides whether a
 * token is still good: it expires after `lifetimeSec`, `expireAll()` revokes every one, and a restart knows none.
 */
export function atlasTokenIssuer(options: {
  secret: string;
  audience: string;
  lifetimeSec: number;
  client: { clientId: string; clientSecret: string };
}): SimTokenIssuer {
  const sign = (data: string) => createHmac('sha256', options.secret).update(data).digest('base64url');
  return new SimTokenIssuer({
    lifetimeSec: options.lifetimeSec,
    client: options.client,
    mint: ({ subject, sequence, issuedAtMs }) => {
      const iat = Math.floor(issuedAtMs / 1000);
      const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
      const payload = b64url(
        JSON.stringify({
          iss: 'https://oauth.fluidstack.io/',
          sub: `${subject}@clients`,
          aud: options.audience,
          iat,
          exp: iat + options.lifetimeSec,
          gty: 'client-credentials',
          gen: sequence,
        }),
      );
      return `${header}.${payload}.${sign(`${header}.${payload}`)}`;
    },
  });
}
