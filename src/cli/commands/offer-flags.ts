import { type Command, Option } from 'commander';
import type { Offer } from '../../services/types.ts';
import type { QueryValue } from '../client.ts';
import type { CommandContext } from '../context.ts';
import { renderTable } from '../format/table.ts';
import { formatMoney, yesNo } from '../format/values.ts';
import { collectList, nonNegativeNumber, positiveInt } from '../options.ts';
import { resolveDatacenter, resolveSeries } from '../resolve.ts';

/** The placement constraints `offers` and `gpu order` share. */
export interface ConstraintFlags {
  series?: string;
  datacenter?: string;
  gpus?: number;
  spot?: boolean;
  maxPrice?: number;
  country?: string[];
  provider?: string[];
}

export function addConstraintFlags(command: Command, seriesHelp = 'GPU series code (e.g. h100_series) or id'): Command {
  return command
    .option('--series <series>', seriesHelp)
    .option('--datacenter <datacenter>', 'datacenter code or id')
    .addOption(new Option('--gpus <n>', 'GPUs per VM').argParser(positiveInt))
    .option('--spot', 'spot / interruptible capacity')
    .addOption(new Option('--max-price <amount>', 'most to pay per VM-hour').argParser(nonNegativeNumber))
    .option('--country <code>', 'only these countries (ISO code; repeat or comma-separate)', collectList)
    .option('--provider <id>', 'only these providers (repeat or comma-separate)', collectList);
}

/**
 * `GET /v1/offers` query for the flags. `spot` decides between spot and on-demand only when the caller
 * knows which one it wants (an order); a plain listing shows both unless --spot is given.
 */
export async function offerQuery(
  ctx: CommandContext,
  flags: ConstraintFlags,
  defaultSpot: 'allow' | 'exclude',
): Promise<Record<string, QueryValue>> {
  const series = flags.series ? await resolveSeries(ctx.client, flags.series) : undefined;
  const datacenter = flags.datacenter ? await resolveDatacenter(ctx.client, flags.datacenter) : undefined;
  return {
    seriesCode: series?.code,
    gpuCount: flags.gpus,
    datacenterId: datacenter?.id,
    countries: flags.country,
    providers: flags.provider,
    maxPricePerHour: flags.maxPrice,
    spot: flags.spot ? 'only' : defaultSpot,
  };
}

export async function fetchOffers(ctx: CommandContext, query: Record<string, QueryValue>): Promise<Offer[]> {
  const { data } = await ctx.client.get<{ offers: Offer[] }>('/v1/offers', query);
  return data.offers;
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
