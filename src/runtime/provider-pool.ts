import type { Provider, ProviderAccountConfig, ProviderDefinition, ProviderDeps } from '../core/provider/provider.ts';
import { findProvider } from '../providers/registry.ts';
import { AppError } from '../services/errors.ts';

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

  /** All enabled accounts, connected. */
  async all(): Promise<ConnectedAccount[]> {
    const configs = await this.accounts.listEnabledAccountConfigs();
    return Promise.all(configs.map((c) => this.get(c.accountId)));
  }

  async invalidate(accountId: string): Promise<void> {
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
