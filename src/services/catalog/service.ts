import { buildCatalog } from '../../catalog/catalog.ts';
import { matchesConstraints, rankOffers } from '../../catalog/ranking.ts';
import { KNOWN_SERIES } from '../../catalog/series.ts';
import type { DatacenterInfo, Inventory, InventoryQuery, Offer, SeriesInfo, SkuSpecs } from '../../contract/catalog.ts';
import type { OfferCache, OfferSnapshot } from '../../runtime/offer-cache.ts';
import { notFound } from '../errors.ts';
import type { CatalogService, OfferConstraints } from '../types.ts';

export type OfferQuery = OfferConstraints & {
  seriesCode?: string;
  gpuCount?: number;
  datacenterId?: string;
  availableOnly?: boolean;
};

/** GPCN's inventory and gpufleet's offers, answered from the offer cache (never a provider call per request). */
export class CatalogServiceImpl implements CatalogService {
  /** The catalog derived from the last offer snapshot; rebuilt only when the offers changed. */
  private built: { key: string; catalog: ReturnType<typeof buildCatalog> } | null = null;

  constructor(private readonly cache: OfferCache) {}

  async current(): Promise<{
    offers: Offer[];
    series: SeriesInfo[];
    datacenters: DatacenterInfo[];
    ageSeconds: number;
    errors: string[];
    failing: OfferSnapshot['errors'];
  }> {
    const snapshot = await this.cache.snapshot();
    // An account's offers turn unavailable when it has failed for too long: that changes the catalog too.
    const hidden = snapshot.errors.filter((e) => e.hidden).map((e) => e.accountId);
    const key = `${snapshot.generation}|${snapshot.accounts.map((a) => a.accountId).join(',')}|${hidden.join(',')}`;
    if (this.built?.key !== key) this.built = { key, catalog: buildCatalog(snapshot.accounts) };
    const catalog = this.built.catalog;
    return {
      ...catalog,
      ageSeconds: snapshot.ageSeconds,
      errors: snapshot.errors.map(
        (e) =>
          `${e.provider}: ${e.message}${e.since ? ` (failing since ${e.since}${e.hidden ? '; its offers are not available' : ''})` : ''}`,
      ),
      failing: snapshot.errors,
    };
  }

  async series(): Promise<SeriesInfo[]> {
    const { series } = await this.current();
    const byCode = new Map<string, SeriesInfo>(
      KNOWN_SERIES.map((s) => [s.code, { id: s.id, code: s.code, name: s.name, description: s.description }]),
    );
    for (const s of series) byCode.set(s.code, s);
    return [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code));
  }

  async datacenters(): Promise<DatacenterInfo[]> {
    return (await this.current()).datacenters;
  }

  async offers(query: OfferQuery): Promise<{ offers: Offer[]; ageSeconds: number }> {
    const { offers, ageSeconds } = await this.current();
    const constraints: OfferConstraints = { ...query, spot: query.spot ?? 'allow' };
    const filtered = offers.filter(
      (o) =>
        (!query.seriesCode || o.series.code === query.seriesCode) &&
        (!query.gpuCount || o.gpuCount === query.gpuCount) &&
        (!query.datacenterId || o.datacenter.id === query.datacenterId) &&
        (!query.availableOnly || o.available) &&
        matchesConstraints(o, constraints),
    );
    return { offers: rankOffers(filtered), ageSeconds };
  }

  async inventory(query: InventoryQuery): Promise<Inventory> {
    const { offers, datacenters, ageSeconds, errors } = await this.current();
    if (query.datacenterId && !datacenters.some((d) => d.id === query.datacenterId))
      throw notFound('Datacenter', query.datacenterId);
    const allSeries = await this.series();
    const wanted = allSeries.filter((s) => !query.code || s.code === query.code);
    // GPCN's inventory shows on-demand machines; spot ones are in /v1/offers.
    const orderable = rankOffers(
      offers.filter(
        (o) =>
          o.available &&
          !o.spot &&
          (!query.datacenterId || o.datacenter.id === query.datacenterId) &&
          (!query.count || o.gpuCount === query.count),
      ),
    );
    const inventory: Inventory = {
      series: wanted.map((s) => {
        const mine = orderable.filter((o) => o.series.id === s.id);
        const dcIds = [...new Set(mine.map((o) => o.datacenter.id))];
        return {
          id: s.id,
          name: s.name,
          code: s.code,
          description: s.description,
          availability: dcIds.map((dcId) => {
            const here = mine.filter((o) => o.datacenter.id === dcId);
            const dc = here[0]?.datacenter as DatacenterInfo;
            const counts = [...new Set(here.map((o) => o.gpuCount))].sort((a, b) => a - b);
            return {
              datacenterId: dc.id,
              datacenterName: dc.name,
              datacenterCode: dc.code,
              gpuCounts: counts.map((count) => {
                const skus = dedupeBySku(here.filter((o) => o.gpuCount === count));
                const best = skus[0] as Offer;
                return {
                  count,
                  specs: best.specs as SkuSpecs,
                  pricePerHour: best.pricePerHour,
                  availableSkus: skus.map((o) => ({
                    skuCode: o.skuCode,
                    description: o.description,
                    specs: o.specs,
                    pricePerHour: o.pricePerHour,
                    provider: o.provider,
                  })),
                };
              }),
            };
          }),
        };
      }),
      ageSeconds,
    };
    if (errors.length > 0)
      inventory.error = {
        code: 'GPU_PROVIDER_UNAVAILABLE',
        message: `Some GPU providers could not be reached: ${errors.join('; ')}`,
      };
    return inventory;
  }
}

/** Several accounts of one provider offer the same SKU: list it once, cheapest first (input is ranked). */
function dedupeBySku(offers: Offer[]): Offer[] {
  const seen = new Set<string>();
  return offers.filter((o) => !seen.has(o.skuCode) && seen.add(o.skuCode));
}
