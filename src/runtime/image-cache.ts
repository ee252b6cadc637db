import type { ProviderImage } from '../core/provider/provider.ts';
import type { Logger } from '../logger.ts';
import type { ProviderImages } from '../services/images/service.ts';
import type { ProviderPool } from './provider-pool.ts';

interface Entry {
  images: ProviderImage[];
  fetchedAt: number;
  pending: Promise<void> | null;
}

/**
 * Provider image catalogs per account, like offers: answered from memory, refreshed in the background
 * once older than `refreshEveryMs`; only an account's very first listing is waited for (bounded). A failed
 * refresh keeps the last good list: provider calls are scarce and image catalogs change rarely.
 */
export class ImageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly pool: ProviderPool,
    private readonly logger: Logger,
    private readonly options: { refreshEveryMs: number; firstLoadWaitMs: number },
  ) {}

  async snapshot(): Promise<ProviderImages[]> {
    const accounts = await this.pool.all();
    const firstLoads: Promise<void>[] = [];
    for (const account of accounts) {
      const entry = this.entries.get(account.config.accountId);
      const due = !entry || Date.now() - entry.fetchedAt >= this.options.refreshEveryMs;
      if (due && account.provider.listImages) {
        const load = this.refresh(account.config.accountId, account.provider.listImages.bind(account.provider));
        if (!entry?.fetchedAt) firstLoads.push(load);
      }
    }
    if (firstLoads.length > 0)
      await Promise.race([Promise.allSettled(firstLoads), new Promise((r) => setTimeout(r, this.options.firstLoadWaitMs))]);
    return accounts.map((a) => ({
      provider: a.definition.id,
      machineKind: a.definition.capabilities.machineKind,
      portable: a.definition.images,
      listed: this.entries.get(a.config.accountId)?.images ?? [],
    }));
  }

  forget(accountId: string): void {
    this.entries.delete(accountId);
  }

  private refresh(accountId: string, list: () => Promise<ProviderImage[]>): Promise<void> {
    const entry = this.entries.get(accountId) ?? { images: [], fetchedAt: 0, pending: null };
    this.entries.set(accountId, entry);
    entry.pending ??= list()
      .then((images) => {
        entry.images = images;
        entry.fetchedAt = Date.now();
      })
      .catch((error) => this.logger.warn('image list refresh failed', { accountId, error: String(error) }))
      .finally(() => {
        entry.pending = null;
      });
    return entry.pending;
  }
}
