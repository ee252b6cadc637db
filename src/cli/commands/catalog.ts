import type { Command } from 'commander';
import type { DatacenterInfo, Inventory, Offer, SeriesInfo, SkuSpecs } from '../../contract/catalog.ts';
import type { Money } from '../../contract/common.ts';
import type { ImageInfo } from '../../contract/images.ts';
import type { QueryValue } from '../client.ts';
import { type CommandContext, contextFor } from '../context.ts';
import { renderTable } from '../format/table.ts';
import { formatMoney } from '../format/values.ts';
import { positiveInt } from '../options.ts';
import { resolveDatacenter, resolveSeries } from '../resolve.ts';
import { addConstraintFlags, type ConstraintFlags, offersTable } from './offer-flags.ts';

interface InventoryRow {
  series: string;
  datacenter: string;
  gpus: number;
  skuCode: string;
  provider: string;
  price: Money | null;
  specs: SkuSpecs;
}

export function registerCatalogCommands(program: Command): void {
  program
    .command('inventory')
    .description('GPU capacity available right now, by series, datacenter and GPU count')
    .option('--series <series>', 'GPU series code or id')
    .option('--datacenter <datacenter>', 'datacenter code or id')
    .option('--gpus <n>', 'GPUs per VM', positiveInt)
    .action(async (opts: { series?: string; datacenter?: string; gpus?: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const series = opts.series ? await resolveSeries(ctx.client, opts.series) : undefined;
      const datacenter = opts.datacenter ? await resolveDatacenter(ctx.client, opts.datacenter) : undefined;
      const result = await ctx.client.get<Inventory>('/v1/resource/gpu/inventory', {
        code: series?.code,
        datacenterId: datacenter?.id,
        count: opts.gpus,
      });
      if (result.data.error) ctx.note(`warning: ${result.data.error.message} (${result.data.error.code})`);
      ctx.emit(result, (inventory) => inventoryTable(inventoryRows(inventory)));
    });

  const offers = program.command('offers').description('every orderable SKU with its provider and price, best first');
  addConstraintFlags(offers)
    .option('--available', 'only offers with capacity right now')
    .action(async (flags: ConstraintFlags & { available?: boolean }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const query = await offerQuery(ctx, flags);
      const rows = await fetchOffers(ctx, { ...query, availableOnly: flags.available ? true : undefined });
      ctx.emit({ data: rows, meta: null }, offersTable);
    });

  program
    .command('series')
    .description('GPU series of the catalog')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<SeriesInfo[]>('/v1/resource/gpu/series'), (rows) =>
        renderTable(rows, [
          { header: 'CODE', value: (s) => s.code },
          { header: 'NAME', value: (s) => s.name },
          { header: 'ID', value: (s) => s.id },
        ]),
      );
    });

  program
    .command('images')
    .description('OS images an order may name with --image, and the providers that run each')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<ImageInfo[]>('/v1/resource/gpu/images', { limit: 100 }), (rows) =>
        renderTable(rows, [
          { header: 'NAME', value: (i) => i.name },
          { header: 'PROVIDERS', value: (i) => i.providers.join(', ') },
          { header: 'KINDS', value: (i) => i.machineKinds.join(', ') },
          { header: 'JUPYTER', value: (i) => (i.jupyter ? 'yes' : '') },
          { header: 'DESCRIPTION', value: (i) => i.description },
        ]),
      );
    });

  program
    .command('datacenters')
    .description('datacenters of every connected provider')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<DatacenterInfo[]>('/v1/resource/data-centers'), (rows) =>
        renderTable(rows, [
          { header: 'CODE', value: (d) => d.code },
          { header: 'NAME', value: (d) => d.name },
          { header: 'COUNTRY', value: (d) => d.countryAbbr },
          { header: 'REGION', value: (d) => d.region },
          { header: 'PROVIDER', value: (d) => d.provider },
          { header: 'ID', value: (d) => d.id },
        ]),
      );
    });
}

/** `GET /v1/offers` query for the flags. A listing shows spot and on-demand offers alike unless --spot is given. */
export async function offerQuery(ctx: CommandContext, flags: ConstraintFlags): Promise<Record<string, QueryValue>> {
  const series = flags.series ? await resolveSeries(ctx.client, flags.series) : undefined;
  const datacenter = flags.datacenter ? await resolveDatacenter(ctx.client, flags.datacenter) : undefined;
  return {
    seriesCode: series?.code,
    gpuCount: flags.gpus,
    datacenterId: datacenter?.id,
    countries: flags.country,
    providers: flags.provider,
    maxPricePerHour: flags.maxPrice,
    spot: flags.spot ? 'only' : 'allow',
  };
}

export async function fetchOffers(ctx: CommandContext, query: Record<string, QueryValue>): Promise<Offer[]> {
  const { data } = await ctx.client.get<{ offers: Offer[] }>('/v1/offers', query);
  return data.offers;
}

/** One row per orderable SKU; a count without SKU detail still shows its recommended specs. */
function inventoryRows(inventory: Inventory): InventoryRow[] {
  const rows: InventoryRow[] = [];
  for (const series of inventory.series) {
    for (const place of series.availability) {
      for (const count of place.gpuCounts) {
        const base = { series: series.code, datacenter: place.datacenterCode || place.datacenterName, gpus: count.count };
        if (count.availableSkus.length === 0) {
          rows.push({ ...base, skuCode: '-', provider: '-', price: count.pricePerHour, specs: count.specs });
        }
        for (const sku of count.availableSkus) {
          rows.push({ ...base, skuCode: sku.skuCode, provider: sku.provider, price: sku.pricePerHour, specs: sku.specs });
        }
      }
    }
  }
  return rows;
}

function inventoryTable(rows: readonly InventoryRow[]): string {
  if (rows.length === 0) return 'No capacity matches.';
  return renderTable(rows, [
    { header: 'SERIES', value: (r) => r.series },
    { header: 'DATACENTER', value: (r) => r.datacenter },
    { header: 'GPUS', value: (r) => String(r.gpus), align: 'right' },
    { header: 'SKU', value: (r) => r.skuCode },
    { header: 'PROVIDER', value: (r) => r.provider },
    { header: 'PRICE/H', value: (r) => formatMoney(r.price), align: 'right' },
    { header: 'VCPU', value: (r) => String(r.specs.vcpu), align: 'right' },
    { header: 'RAM', value: (r) => `${r.specs.memoryGiB} GiB`, align: 'right' },
    { header: 'DISK', value: (r) => `${r.specs.storageGB} GB`, align: 'right' },
  ]);
}
