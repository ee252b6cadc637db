import { createHmac, timingSafeEqual } from 'node:crypto';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * The simulated identity provider's access tokens: JWT-shaped (`header.payload.signature`, HS256 over a
 * per-boot secret) with `aud`, `iat` and `exp`, like the real ones. `expireAll()` revokes every token
 * issued so far, which is how a test makes the adapter fetch a new one.
 */
export class TokenIssuer {
  private generation = 0;
  private minValidGeneration = 0;

  constructor(
    private readonly secret: string,
    private readonly audience: string,
    private readonly lifetimeSec: number,
  ) {}

  issue(clientId: string): { access_token: string; expires_in: number; token_type: string } {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(
      JSON.stringify({
        iss: 'https://oauth.fluidstack.io/',
        sub: `${clientId}@clients`,
        aud: this.audience,
        iat: now,
        exp: now + this.lifetimeSec,
        gty: 'client-credentials',
        gen: this.generation++,
      }),
    );
    return {
      access_token: `${header}.${payload}.${this.sign(`${header}.${payload}`)}`,
      expires_in: this.lifetimeSec,
      token_type: 'Bearer',
    };
  }

  /** True for a token this issuer signed that has not expired or been revoked. */
  isValid(token: string): boolean {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return false;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        exp?: number;
        aud?: string;
        gen?: number;
      };
      return (
        claims.aud === this.audience &&
        typeof claims.exp === 'number' &&
        claims.exp > Date.now() / 1000 &&
        typeof claims.gen === 'number' &&
        claims.gen >= this.minValidGeneration
      );
    } catch {
      return false;
    }
  }

  expireAll(): void {
    this.minValidGeneration = this.generation;
  }

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }
}
