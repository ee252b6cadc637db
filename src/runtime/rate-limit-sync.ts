import type { Logger } from '../logger.ts';
import { PeriodicTask } from './periodic.ts';

/**
 * Runs the API rate limiter's sync with the store in the background (`RateLimiter.sync`), so the limit holds
 * across replicas while no request waits on the store. A failing store is reported once, not every
 * interval, and once more when it answers again; meanwhile the limiter counts in this process alone.
 */
export class RateLimitSync {
  private readonly loop: PeriodicTask;
  private failing = false;

  constructor(
    /** One sync; false when there was nothing to send (which says nothing about the store). */
    syncOnce: () => Promise<boolean>,
    private readonly intervalMs: number,
    logger: Pick<Logger, 'info' | 'warn'>,
  ) {
    this.loop = new PeriodicTask(
      async () => {
        if (!(await syncOnce()) || !this.failing) return;
        this.failing = false;
        logger.info('rate-limit counts are shared through the store again');
      },
      intervalMs,
      (error) => {
        if (this.failing) return;
        this.failing = true;
        logger.warn('sharing rate-limit counts through the store failed; this replica counts on its own until it works again', {
          error: String(error),
        });
      },
    );
  }

  start(): void {
    // Nothing can have been counted yet at start.
    this.loop.start(this.intervalMs);
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
