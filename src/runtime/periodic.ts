/**
 * A background loop: run `work`, wait `intervalMs` after it finishes, run again, until stopped. Runs never
 * overlap, a failing run is reported and the loop goes on, and its timer never keeps the process alive.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Start; the first run happens after `firstDelayMs` (at once by default). */
  start(firstDelayMs = 0): void {
    // A second start would run a second loop beside the first.
    if (this.running) return;
    this.running = true;
    this.schedule(firstDelayMs);
  }

  /** Stop scheduling and wait for a run in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.current = this.work()
        .catch(this.onError)
        .finally(() => {
          if (this.running) this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
