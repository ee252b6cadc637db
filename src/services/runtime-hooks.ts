import type { Provider } from '../core/provider/provider.ts';

/**
 * What the use cases need from the running system (connected adapters, background loops) without
 * depending on how it is wired.
 */
export interface RuntimeHooks {
  /** The connected adapter of an account (cached; reconnected after the account changes). */
  providerFor(accountId: string): Promise<Provider>;
  /** An account was created, updated or removed: reconnect it, refresh it, start or stop polling it. */
  accountsChanged(accountId: string): void;
}
