import { isProviderError, ProviderError } from '../../core/provider/errors.ts';

export interface TokenGrant {
  accessToken: string;
  expiresInSec: number;
  refreshToken?: string | null;
}

export interface TokenSourceOptions {
  provider: string;
  /** Obtain a fresh token with the client credentials. */
  fetchToken: () => Promise<TokenGrant>;
  /** Exchange a refresh token (providers that issue one); on failure the source falls back to `fetchToken`. */
  refresh?: (refreshToken: string) => Promise<TokenGrant>;
  /** Renew this long before expiry so a request never leaves with a token about to die. */
  skewMs?: number;
  now?: () => number;
}

/**
 * OAuth2 client-credentials token cache shared by the providers that use it (Verda, Fluidstack).
 * One token request at a time per account; callers waiting meanwhile share its result.
 */
export class TokenSource {
  private token: { value: string; renewAt: number; refreshToken: string | null } | null = null;
  private pending: Promise<string> | null = null;
  private readonly skewMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenSourceOptions) {
    this.skewMs = options.skewMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.token && this.now() < this.token.renewAt) return this.token.value;
    if (!this.pending) {
      this.pending = this.renew().finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  /** Forget the token (the provider answered 401 to it); the next `get` obtains a new one. */
  invalidate(): void {
    this.token = null;
  }

  private async renew(): Promise<string> {
    const refreshToken = this.token?.refreshToken ?? null;
    let grant: TokenGrant | null = null;
    if (refreshToken && this.options.refresh) {
      try {
        grant = await this.options.refresh(refreshToken);
      } catch (error) {
        // A refresh token that has expired too (400/401) means: authenticate again from scratch.
        if (!isProviderError(error) || error.kind === 'unavailable' || error.kind === 'rate_limited') throw error;
        grant = null;
      }
    }
    grant ??= await this.options.fetchToken();
    if (!grant.accessToken) {
      throw new ProviderError({
        provider: this.options.provider,
        kind: 'auth',
        message: 'token endpoint returned no access token',
      });
    }
    const lifetimeMs = Math.max(1, grant.expiresInSec) * 1000;
    // Short-lived tokens (simulators, tests) renew at 90 % of their life rather than 30 s early.
    const skew = Math.min(this.skewMs, lifetimeMs / 10);
    this.token = {
      value: grant.accessToken,
      renewAt: this.now() + lifetimeMs - skew,
      refreshToken: grant.refreshToken ?? null,
    };
    return grant.accessToken;
  }
}
