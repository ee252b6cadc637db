import { randomHex } from '../../kit/sim/random.ts';
import { SimError } from './sim-error.ts';

/** Refresh tokens outlive access tokens (a day), so an expired access token can be refreshed. */
const REFRESH_LIFETIME_MS = 24 * 60 * 60_000;

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

/** The OAuth2 side of the simulator: client credentials and refresh grants, expiring tokens. */
export class TokenStore {
  private readonly access = new Map<string, number>();
  private readonly refresh = new Map<string, number>();
  readonly grants: TokenGrantCounts = { client_credentials: 0, refresh_token: 0, refused: 0 };

  constructor(
    private readonly credentials: { clientId: string; clientSecret: string },
    private readonly lifetimeSec: number,
    private readonly random: () => number,
  ) {}

  /** Handle a `POST /oauth2/token` body (`GetAccessTokenDto` or `RefreshAccessTokenPublicApiDto`). */
  grant(body: unknown): IssuedToken {
    const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const grantType = fields['grant_type'];
    if (grantType === 'client_credentials') {
      if (fields['client_id'] !== this.credentials.clientId || fields['client_secret'] !== this.credentials.clientSecret) {
        this.grants.refused++;
        throw new SimError(401, 'unauthorized_request', 'Invalid client id or client secret');
      }
      this.grants.client_credentials++;
      return this.issue();
    }
    if (grantType === 'refresh_token') {
      const token = fields['refresh_token'];
      const expiresAt = typeof token === 'string' ? this.refresh.get(token) : undefined;
      if (typeof token !== 'string' || expiresAt === undefined || expiresAt < Date.now()) {
        this.grants.refused++;
        throw new SimError(401, 'unauthorized_request', 'Invalid refresh token');
      }
      // A refresh token is used once: the answer carries a new one.
      this.refresh.delete(token);
      this.grants.refresh_token++;
      return this.issue();
    }
    this.grants.refused++;
    throw new SimError(400, 'invalid_request', grantType === undefined ? 'grant_type not specified' : 'unsupported grant type');
  }

  /** True when `authorization` carries a live access token. */
  accepts(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const expiresAt = match?.[1] ? this.access.get(match[1]) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** Every access and refresh token issued so far stops working. */
  expireAll(): void {
    this.access.clear();
    this.refresh.clear();
  }

  private issue(): IssuedToken {
    const now = Date.now();
    const accessToken = `eyJ${randomHex(this.random, 24)}.${randomHex(this.random, 48)}`;
    const refreshToken = `rt-${randomHex(this.random, 40)}`;
    this.access.set(accessToken, now + this.lifetimeSec * 1000);
    this.refresh.set(refreshToken, now + REFRESH_LIFETIME_MS);
    this.prune(now);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.lifetimeSec,
      refresh_token: refreshToken,
      scope: 'cloud-api-v1',
    };
  }

  private prune(now: number): void {
    for (const store of [this.access, this.refresh]) {
      for (const [token, expiresAt] of store) if (expiresAt < now) store.delete(token);
    }
  }
}
