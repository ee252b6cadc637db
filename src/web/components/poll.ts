export interface Poller {
  /** Refresh at once (e.g. after an action), then keep the rhythm. */
  now(): void;
}

/**
 * Calls `tick` at once and then every `ms` while the tab is visible, until `signal` aborts (the user left
 * the page); `ms` may be a function, asked before each wait, for a rhythm that changes. A hidden tab polls nothing; coming back refreshes immediately. Ticks never overlap: a slow
 * answer delays the next tick instead of piling requests up.
 */
export function poll(tick: () => Promise<void>, ms: number | (() => number), signal: AbortSignal): Poller {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;

  const schedule = () => {
    clearTimeout(timer);
    if (!signal.aborted && document.visibilityState === 'visible') timer = setTimeout(run, typeof ms === 'function' ? ms() : ms);
  };
  const run = async (): Promise<void> => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    clearTimeout(timer);
    try {
      await tick();
    } catch {
      // Each tick shows its own errors; polling carries on so a passing outage heals by itself.
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      return run();
    }
    schedule();
  };
  const onVisibility = () => {
    if (document.visibilityState === 'visible') void run();
    else clearTimeout(timer);
  };
  document.addEventListener('visibilitychange', onVisibility);
  signal.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
    { once: true },
  );
  void run();
  return { now: () => void run() };
}
