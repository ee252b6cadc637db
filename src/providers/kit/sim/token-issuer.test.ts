import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimTokenIssuer, type TokenClaims } from './token-issuer.ts';

describe('simulator kit: token issuer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const issuer = (minted: TokenClaims[] = []) =>
    new SimTokenIssuer({
      lifetimeSec: 60,
      client: { clientId: 'id', clientSecret: 'secret' },
      mint: (claims) => {
        minted.push(claims);
        return `tok-${claims.sequence}`;
      },
    });

  it('hands out tokens in the provider shape, good until they run out', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const minted: TokenClaims[] = [];
    const tokens = issuer(minted);
    expect(tokens.issue('id')).toEqual({ token: 'tok-0', expiresInSec: 60 });
    expect(minted).toEqual([{ subject: 'id', sequence: 0, issuedAtMs: 1_000_000, expiresAtMs: 1_060_000 }]);
    expect(tokens.verify('tok-0')).toBe(true);
    vi.advanceTimersByTime(59_999);
    expect(tokens.verify('tok-0')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(tokens.verify('tok-0')).toBe(false);
  });

  it('refuses tokens it never issued, revoked ones and, after expireAll, every earlier one', () => {
    const tokens = issuer();
    const first = tokens.issue().token;
    const second = tokens.issue().token;
    expect([tokens.verify(undefined), tokens.verify(''), tokens.verify('tok-9')]).toEqual([false, false, false]);
    tokens.revoke(first);
    expect([tokens.verify(first), tokens.verify(second)]).toEqual([false, true]);
    tokens.expireAll();
    expect(tokens.verify(second)).toBe(false);
    expect(tokens.verify(tokens.issue().token)).toBe(true);
  });

  it('knows the simulated account by its client id and secret', () => {
    const tokens = issuer();
    expect(tokens.authenticates('id', 'secret')).toBe(true);
    expect(tokens.authenticates('id', 'wrong')).toBe(false);
    expect(tokens.authenticates(undefined, 'secret')).toBe(false);
    expect(new SimTokenIssuer({ lifetimeSec: 1, mint: () => 't' }).authenticates('id', 'secret')).toBe(false);
  });
});
