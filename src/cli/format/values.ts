import type { Money } from '../../contract/common.ts';

const SYMBOLS: Record<string, string> = { usd: '$', eur: '€', gbp: '£' };

export function formatMoney(money: Money | null | undefined, suffix = ''): string {
  if (!money) return '-';
  const symbol = SYMBOLS[money.currency.toLowerCase()];
  const amount = money.amount.toFixed(money.amount !== 0 && Math.abs(money.amount) < 0.1 ? 4 : 2);
  return (symbol ? `${symbol}${amount}` : `${amount} ${money.currency.toUpperCase()}`) + suffix;
}

/** `2025-01-31 14:05` in UTC: sortable, the same on every machine. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

export function dash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
