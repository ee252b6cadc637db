import type { DatacenterInfo, Offer, SeriesInfo } from '../contract/catalog.ts';
import type { ProviderCapabilities, ProviderOffer } from '../core/provider/provider.ts';
import { slug, stableUuid } from './ids.ts';
import { seriesForModel } from './series.ts';

/** The offers of one provider account as last fetched. */
export interface AccountOffers {
  accountId: string;
  provider: string;
  providerDisplayName: string;
  capabilities: ProviderCapabilities;
  offers: ProviderOffer[];
}

export function datacenterFor(
  provider: string,
  providerDisplayName: string,
  location: ProviderOffer['location'],
): DatacenterInfo {
  return {
    id: stableUuid(`datacenter:${provider}:${location.code}`),
    code: `${provider}-${slug(location.code)}`,
    name: `${location.name} · ${providerDisplayName}`,
    region: location.region,
    country: location.country,
    countryAbbr: location.countryAbbr,
    provider,
  };
}

/** SKU identity: one provider instance type at one GPU count, on-demand or spot; the same in every location. */
export function skuCodeFor(provider: string, providerSkuId: string, gpuCount: number, spot: boolean): string {
  return `${provider}.${slug(providerSkuId)}.${gpuCount}x${spot ? '.spot' : ''}`;
}

export function toCatalogOffer(account: AccountOffers, offer: ProviderOffer): Offer {
  const series = seriesForModel(offer.gpu.model);
  const skuCode = skuCodeFor(account.provider, offer.providerSkuId, offer.gpu.count, offer.spot);
  const gpuDescription = `${offer.gpu.count}x ${offer.gpu.vendor === 'Other' ? '' : `${offer.gpu.vendor} `}${offer.gpu.model} ${offer.gpu.memoryGiB} GB${offer.gpu.interconnect ? ` ${offer.gpu.interconnect}` : ''}`;
  return {
    skuId: stableUuid(`sku:${skuCode}`),
    skuCode,
    description: `${gpuDescription}, ${offer.vcpu} vCPU, ${offer.ramGiB} GiB RAM, ${offer.diskGB} GB disk${offer.spot ? ' (spot)' : ''}${offer.machineKind === 'container' ? ' (container)' : ''}`,
    provider: account.provider,
    providerAccountId: account.accountId,
    providerSkuName: offer.providerSkuName,
    providerSkuId: offer.providerSkuId,
    providerLocationCode: offer.location.code,
    series: { id: series.id, code: series.code, name: series.name },
    datacenter: datacenterFor(account.provider, account.providerDisplayName, offer.location),
    gpuCount: offer.gpu.count,
    gpu: { model: offer.gpu.model, memoryGiB: offer.gpu.memoryGiB, interconnect: offer.gpu.interconnect },
    specs: { gpuDescription, vcpu: offer.vcpu, memoryGiB: offer.ramGiB, storageGB: offer.diskGB },
    pricePerHour: offer.pricePerHour,
    available: offer.available,
    spot: offer.spot,
    machineKind: offer.machineKind,
    billsWhileStopped: account.capabilities.billsWhileStopped,
    reportsGpuUtilization: account.capabilities.gpuUtilization === true,
    takesVolumes: account.capabilities.volumes !== null && offer.takesVolumes !== false,
    unmapped: series.unmapped,
  };
}

/** The whole catalog across accounts: offers, and the series and datacenters they imply. */
export function buildCatalog(accounts: AccountOffers[]): {
  offers: Offer[];
  series: SeriesInfo[];
  datacenters: DatacenterInfo[];
} {
  const offers = accounts.flatMap((a) => a.offers.map((o) => toCatalogOffer(a, o)));
  const series = new Map<string, SeriesInfo>();
  const datacenters = new Map<string, DatacenterInfo>();
  for (const offer of offers) {
    if (!series.has(offer.series.id)) {
      const resolved = seriesForModel(offer.gpu.model);
      series.set(offer.series.id, {
        id: resolved.id,
        code: resolved.code,
        name: resolved.name,
        description: resolved.description,
      });
    }
    datacenters.set(offer.datacenter.id, offer.datacenter);
  }
  return {
    offers,
    series: [...series.values()].sort((a, b) => a.code.localeCompare(b.code)),
    datacenters: [...datacenters.values()].sort((a, b) => a.code.localeCompare(b.code)),
  };
}
