import type { SimTimers } from '../../kit/sim/timers.ts';
import { fail } from './errors.ts';

/** Node's timers hold at most 2^31 − 1 ms; a later deadline is waited for in steps of that size. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * `stopAfter` / `terminateAfter` of a create: the instant is checked here (a GraphQL `DateTime` in seed 002,
 * a plain string on the interruptible input, so both are parsed the same way) and kept as ISO text.
 */
export function deadlineOf(field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) fail(`${field} must be a date-time, got ${JSON.stringify(value)}.`);
  return new Date(ms).toISOString();
}

/** Run `fn` once `at` has passed; at once if it already has (e.g. a pod read back from a state file). */
export function atDeadline(timers: SimTimers, at: string, fn: () => void): void {
  const wait = Date.parse(at) - Date.now();
  if (wait > LONGEST_TIMER_MS) timers.after(LONGEST_TIMER_MS, () => atDeadline(timers, at, fn));
  else timers.after(Math.max(0, wait), fn);
}
