import type { Provider, ProviderAccountConfig, ProviderDefinition, ProviderDeps } from '../core/provider/provider.ts';
import { findProvider } from '../providers/registry.ts';
import { AppError } from '../services/errors.ts';

const ACCOUNT_LIST_TTL_MS = 5_000;

export interface ConnectedAccount {
  config: ProviderAccountConfig;
  definition: ProviderDefinition;
  provider: Provider;
}

/** Where the pool reads enabled accounts (decrypted) from. */
export interface AccountSource {
  loadAccountConfig(id: string): Promise<(ProviderAccountConfig & { provider: string; enabled: boolean }) | null>;
  listEnabledAccountConfigs(): Promise<(ProviderAccountConfig & { provider: string })[]>;
}

/**
 * One connected adapter per provider account, reused by every caller (its HTTP client, token and rate
 * limit state live there), rebuilt when the account changes.
 */
export class ProviderPool {
  private readonly connected = new Map<string, Promise<ConnectedAccount>>();
  private allCache: { at: number; list: Promise<ConnectedAccount[]> } | null = null;

  constructor(
    private readonly accounts: AccountSource,
    private readonly deps: ProviderDeps,
  ) {}

  async get(accountId: string): Promise<ConnectedAccount> {
    let entry = this.connected.get(accountId);
    if (!entry) {
      entry = this.connect(accountId);
      this.connected.set(accountId, entry);
      entry.catch(() => this.connected.delete(accountId));
    }
    return entry;
  }

  /**
   * All enabled accounts, connected. The list is read from the store at most every few seconds (and at
   * once after a change here): it sits on hot paths, and another replica's new account may wait that long.
   */
  async all(): Promise<ConnectedAccount[]> {
    if (!this.allCache || Date.now() - this.allCache.at > ACCOUNT_LIST_TTL_MS) {
      const list = this.accounts
        .listEnabledAccountConfigs()
        .then((configs) => Promise.all(configs.map((c) => this.get(c.accountId))));
      this.allCache = { at: Date.now(), list };
      list.catch(() => {
        if (this.allCache?.list === list) this.allCache = null;
      });
    }
    return this.allCache.list;
  }

  async invalidate(accountId: string): Promise<void> {
    this.allCache = null;
    const entry = this.connected.get(accountId);
    this.connected.delete(accountId);
    if (entry) await entry.then((e) => e.provider.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const entries = [...this.connected.values()];
    this.connected.clear();
    await Promise.all(entries.map((e) => e.then((c) => c.provider.close()).catch(() => undefined)));
  }

  private async connect(accountId: string): Promise<ConnectedAccount> {
    const config = await this.accounts.loadAccountConfig(accountId);
    if (!config) throw new AppError(404, 'NOT_FOUND', `provider account ${accountId} was not found`);
    const definition = findProvider(config.provider);
    if (!definition) throw new AppError(500, 'UNKNOWN_PROVIDER', `provider ${config.provider} is not registered`);
    return { config, definition, provider: definition.connect(config, this.deps) };
  }
}
