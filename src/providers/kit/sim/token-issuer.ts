/** What a provider's `mint` shapes into a token. */
export interface TokenClaims {
  /** Who the token is for (the client id of a client-credentials grant); empty when the provider names no one. */
  subject: string;
  /** 0 for the first token this issuer hands out, then 1, 2, … */
  sequence: number;
  issuedAtMs: number;
  expiresAtMs: number;
}

export interface TokenIssuerOptions {
  /** How long a token is good for (`expires_in`), seconds. */
  lifetimeSec: number;
  /** The token's text in the provider's own shape (an opaque string, a JWT); it must be unique. */
  mint: (grant: TokenClaims) => string;
  /** The client credentials of the simulated account, for `authenticates`. */
  client?: { clientId: string; clientSecret: string };
}

/**
 * The tokens of a simulated OAuth2 client-credentials identity provider: issued, checked, expired. They are
 * remembered where they were issued, so a token is good exactly while this issuer knows it and it has not run
 * out; `expireAll()` (a test's `expireTokens`) and a restart of the simulator (which knows none) end them all,
 * as rotating a real provider's signing key does. The token endpoint itself stays in the provider's wire format.
 */
export class SimTokenIssuer {
  private readonly live = new Map<string, number>();
  private issued = 0;

  constructor(private readonly options: TokenIssuerOptions) {}

  get lifetimeSec(): number {
    return this.options.lifetimeSec;
  }

  /** True for the simulated account's own client id and secret. */
  authenticates(clientId: unknown, clientSecret: unknown): boolean {
    const client = this.options.client;
    return client !== undefined && clientId === client.clientId && clientSecret === client.clientSecret;
  }

  issue(subject = ''): { token: string; expiresInSec: number } {
    const issuedAtMs = Date.now();
    const expiresAtMs = issuedAtMs + this.options.lifetimeSec * 1000;
    const token = this.options.mint({ subject, sequence: this.issued++, issuedAtMs, expiresAtMs });
    this.live.set(token, expiresAtMs);
    this.prune(issuedAtMs);
    return { token, expiresInSec: this.options.lifetimeSec };
  }

  /** True for a token this issuer handed out that has neither run out nor been revoked. */
  verify(token: string | undefined): boolean {
    const expiresAt = token === undefined ? undefined : this.live.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** End one token (a refresh token is good for one use). */
  revoke(token: string): void {
    this.live.delete(token);
  }

  /** Every token issued so far stops working. */
  expireAll(): void {
    this.live.clear();
  }

  // Tokens that ran out can never be good again; forgetting them keeps a long run's memory flat.
  private prune(now: number): void {
    for (const [token, expiresAt] of this.live) if (expiresAt < now) this.live.delete(token);
  }
}
