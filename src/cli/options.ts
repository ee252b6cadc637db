import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors.ts';

/** Option parsers: a bad value is a usage error (exit 2) before anything is sent. */

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/** GPUs per VM: the counts the clouds sell (the API's own list is not imported: it would load TypeBox at start). */
export const GPU_COUNTS = [1, 2, 4, 8] as const;
export type GpuCount = (typeof GPU_COUNTS)[number];

export function gpuCount(value: string): GpuCount {
  const n = Number(value);
  if (!(GPU_COUNTS as readonly number[]).includes(n)) throw new UsageError('--gpus must be 1, 2, 4 or 8');
  return n as GpuCount;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a whole number of 0 or more');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of 0 or more');
  return n;
}

export function isoDate(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('expected a date such as 2025-01-31 or 2025-01-31T12:00:00Z');
  return date.toISOString();
}

/** Repeatable list option that also takes comma-separated values: `--country DE --country FI,NO`. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return [...(previous ?? []), ...items];
}

/** `key=value` pairs into an object; the value may itself contain `=`. */
export function keyValuePairs(pairs: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} takes key=value, got "${pair}"`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

export function percent(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError('expected a percentage from 0 to 100');
  return n;
}

export function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port number (0-65535)');
  return n;
}
