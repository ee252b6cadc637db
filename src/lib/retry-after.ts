/**
 * An HTTP `Retry-After` value (seconds, or an HTTP date) as milliseconds from `now`; null when absent or
 * unreadable. One reading for every client that honours it: provider calls, webhook receivers.
 */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
