import { type Command, Option } from 'commander';
import type { Offer } from '../../contract/catalog.ts';
import { renderTable } from '../format/table.ts';
import { formatMoney, yesNo } from '../format/values.ts';
import { collectList, type GpuCount, gpuCount, positiveNumber } from '../options.ts';

/** The placement constraints `offers` and `gpu order` share. */
export interface ConstraintFlags {
  series?: string;
  datacenter?: string;
  gpus?: GpuCount;
  spot?: boolean;
  maxPrice?: number;
  country?: string[];
  provider?: string[];
}

export function addConstraintFlags(command: Command): Command {
  return command
    .option('--series <series>', 'GPU series code (e.g. h100_series) or id')
    .option('--datacenter <datacenter>', 'datacenter code or id')
    .addOption(new Option('--gpus <n>', 'GPUs per VM: 1, 2, 4 or 8').argParser(gpuCount))
    .option('--spot', 'spot / interruptible capacity')
    .addOption(new Option('--max-price <amount>', 'most to pay per VM-hour').argParser(positiveNumber))
    .option('--country <code>', 'only these countries (ISO code; repeat or comma-separate)', collectList)
    .option('--provider <id>', 'only these providers (repeat or comma-separate)', collectList);
}

/** Offers in the order the server ranks them (the order an order tries them in). */
export function offersTable(offers: readonly Offer[]): string {
  if (offers.length === 0) return 'No offers match.';
  const ranked = offers.map((offer, i) => ({ rank: i + 1, offer }));
  return renderTable(ranked, [
    { header: '#', value: (r) => String(r.rank), align: 'right' },
    { header: 'PROVIDER', value: (r) => r.offer.provider },
    { header: 'SKU', value: (r) => r.offer.skuCode },
    { header: 'SERIES', value: (r) => r.offer.series.code },
    { header: 'GPUS', value: (r) => String(r.offer.gpuCount), align: 'right' },
    { header: 'DATACENTER', value: (r) => r.offer.datacenter.code },
    { header: 'COUNTRY', value: (r) => r.offer.datacenter.countryAbbr },
    { header: 'PRICE/H', value: (r) => formatMoney(r.offer.pricePerHour), align: 'right' },
    { header: 'SPOT', value: (r) => yesNo(r.offer.spot) },
    { header: 'KIND', value: (r) => r.offer.machineKind },
    { header: 'AVAILABLE', value: (r) => yesNo(r.offer.available) },
  ]);
}
