import type { Logger } from '../logger.ts';
import type { EventRepository } from '../services/events/repository.ts';
import { PeriodicTask } from './periodic.ts';

const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Keeps the event log to its retention window. Every replica runs it; a delete of rows already gone is a
 * no-op, so they need no coordination.
 */
export class EventRetention {
  private readonly loop: PeriodicTask;

  constructor(
    private readonly repository: EventRepository,
    private readonly days: number,
    private readonly logger: Logger,
  ) {
    this.loop = new PeriodicTask(
      async () => {
        await this.pruneOnce();
      },
      PRUNE_EVERY_MS,
      (error) => logger.warn('pruning old events failed', { error: String(error) }),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async pruneOnce(now = new Date()): Promise<number> {
    const pruned = await this.repository.prune(this.days, now);
    if (pruned > 0) this.logger.info('pruned old events', { events: pruned, retentionDays: this.days });
    return pruned;
  }
}
