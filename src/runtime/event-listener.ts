import pg from 'pg';
import type { Logger } from '../logger.ts';
import { EVENTS_CHANNEL } from '../services/events/publisher.ts';

/**
 * LISTEN on the events channel over a connection of its own (a pooled connection would be handed to other
 * queries). The channel is per database, and several schemas (installations, test runs) may share one, so
 * a notification is only a wake-up: the hub reads its own schema for what is new. A lost connection is
 * re-opened with a growing pause; each (re)connect wakes the hub, since notifications sent while it was
 * down are gone.
 */
export class PgEventListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly connectionString: string,
    private readonly wake: () => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', () => this.wake());
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    this.wake();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.stopped || (this.client !== null && this.client !== client) || this.retryTimer) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.failures++;
    const delayMs = Math.min(30_000, 500 * 2 ** Math.min(this.failures - 1, 6));
    if (error) this.logger.warn('event channel connection lost; reconnecting', { error: String(error), retryInMs: delayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delayMs);
    this.retryTimer.unref();
  }
}
