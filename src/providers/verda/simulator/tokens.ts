import { randomHex } from '../../kit/sim/random.ts';
import { SimTokenIssuer } from '../../kit/sim/token-issuer.ts';
import { SimError } from './sim-error.ts';

/** Refresh tokens outlive access tokens (a day), so an expired access token can be refreshed. */
const REFRESH_LIFETIME_SEC = 24 * 60 * 60;

export interface TokenGrantCounts {
  client_credentials: number;
  refresh_token: number;
  /** Token requests refused (bad credentials, dead refresh token). */
  refused: number;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: 'cloud-api-v1';
}

/** Verda's side of OAuth2: client credentials and refresh grants, each answered with an access and a refresh token. */
export class TokenStore {
  private readonly access: SimTokenIssuer;
  private readonly refresh: SimTokenIssuer;
  readonly grants: TokenGrantCounts = { client_credentials: 0, refresh_token: 0, refused: 0 };

  constructor(client: { clientId: string; clientSecret: string }, lifetimeSec: number, random: () => number) {
    // Opaque to clients; JWT-looking like Verda's. Drawn from the seeded generator, so a run can be repeated.
    this.access = new SimTokenIssuer({
      lifetimeSec,
      client,
      mint: () => `eyJ${randomHex(random, 24)}.${randomHex(random, 48)}`,
    });
    this.refresh = new SimTokenIssuer({ lifetimeSec: REFRESH_LIFETIME_SEC, mint: () => `rt-${randomHex(random, 40)}` });
  }

  /** Handle a `POST /oauth2/token` body (`GetAccessTokenDto` or `RefreshAccessTokenPublicApiDto`). */
  grant(body: unknown): IssuedToken {
    const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const grantType = fields['grant_type'];
    if (grantType === 'client_credentials') {
      if (!this.access.authenticates(fields['client_id'], fields['client_secret'])) {
        this.grants.refused++;
        throw new SimError(401, 'unauthorized_request', 'Invalid client id or client secret');
      }
      this.grants.client_credentials++;
      return this.issue();
    }
    if (grantType === 'refresh_token') {
      const token = fields['refresh_token'];
      if (typeof token !== 'string' || !this.refresh.verify(token)) {
        this.grants.refused++;
        throw new SimError(401, 'unauthorized_request', 'Invalid refresh token');
      }
      // A refresh token is used once: the answer carries a new one.
      this.refresh.revoke(token);
      this.grants.refresh_token++;
      return this.issue();
    }
    this.grants.refused++;
    throw new SimError(400, 'invalid_request', grantType === undefined ? 'grant_type not specified' : 'unsupported grant type');
  }

  /** True when `authorization` carries a live access token. */
  accepts(authorization: string | undefined): boolean {
    return this.access.verify(/^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1]);
  }

  /** Every access and refresh token issued so far stops working. */
  expireAll(): void {
    this.access.expireAll();
    this.refresh.expireAll();
  }

  private issue(): IssuedToken {
    const access = this.access.issue();
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresInSec,
      refresh_token: this.refresh.issue().token,
      scope: 'cloud-api-v1',
    };
  }
}
