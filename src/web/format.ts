import type { Money } from '../contract/common.ts';
import type { GpuVmDetails } from '../contract/gpu-vm.ts';

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Prices of small GPUs and costs of short runs are fractions of a cent: up to four decimals. */
export function money(value: Money | null | undefined, suffix = ''): string {
  if (!value) return '—';
  const currency = value.currency.toUpperCase();
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency,
        minimumFractionDigits: 2,
        maximumFractionDigits: 4,
      });
    } catch {
      // An unknown currency code: show the number with the code rather than fail the page.
      format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
    }
    moneyFormats.set(currency, format);
  }
  const text = format.format(value.amount);
  return (/[A-Z]{3}|[$€£¥]/.test(text) ? text : `${text} ${currency}`) + suffix;
}

export function pricePerHour(value: Money | null | undefined): string {
  return value ? money(value, '/h') : '—';
}

/** In the browser's time zone, named (`3/1/2025, 11:00:00 AM GMT+1`): a time without its zone is a guess. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { timeZoneName: 'short' });
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(seconds)) return iso;
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return dateTime(iso);
}

export function gpuConfig(vm: Pick<GpuVmDetails, 'configuration'>): string {
  const { gpuCount, name, code } = vm.configuration;
  const series = name || code || 'GPU';
  return gpuCount ? `${gpuCount}× ${series}` : series;
}

export function datacenterLabel(vm: Pick<GpuVmDetails, 'datacenter'>): string {
  const { name, countryAbbr } = vm.datacenter;
  if (!name) return '—';
  return countryAbbr ? `${name} (${countryAbbr})` : name;
}

export function plural(count: number, word: string, words = `${word}s`): string {
  return `${count} ${count === 1 ? word : words}`;
}

/** The command a user pastes to log in. The port is spelled out: container providers map SSH to a high port. */
export function sshCommand(vm: Pick<GpuVmDetails, 'ip' | 'sshPort' | 'username'>): string | null {
  if (!vm.ip) return null;
  const port = vm.sshPort ?? 22;
  return `ssh -p ${port} ${vm.username}@${vm.ip}`;
}

export const PROVIDER_NAMES: Record<string, string> = {
  verda: 'Verda',
  runpod: 'RunPod',
  fluidstack: 'Fluidstack',
};

export function providerName(id: string | null | undefined): string {
  if (!id) return '—';
  return PROVIDER_NAMES[id] ?? id;
}

/** A datacenter with its provider, once: catalog names often carry the provider already (`EU-SE-1 (Sweden) · RunPod`). */
export function datacenterWithProvider(name: string, provider: string): string {
  const label = providerName(provider);
  return name.includes(label) ? name : `${name} · ${label}`;
}
