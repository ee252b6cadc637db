import type { Offer } from '../contract/catalog.ts';
import type { OfferConstraints } from '../services/types.ts';

/** Does an offer satisfy the user's constraints? (availability is checked separately) */
export function matchesConstraints(offer: Offer, c: OfferConstraints | undefined): boolean {
  if (!c) return !offer.spot;
  const upper = (list?: string[]) => list?.map((s) => s.toUpperCase());
  const lower = (list?: string[]) => list?.map((s) => s.toLowerCase());
  if (c.countries?.length && !upper(c.countries)?.includes(offer.datacenter.countryAbbr.toUpperCase())) return false;
  if (c.regions?.length && !lower(c.regions)?.includes(offer.datacenter.region.toLowerCase())) return false;
  if (c.providers?.length && !lower(c.providers)?.includes(offer.provider)) return false;
  if (c.excludeProviders?.length && lower(c.excludeProviders)?.includes(offer.provider)) return false;
  if (c.maxPricePerHour !== undefined && (offer.pricePerHour === null || offer.pricePerHour.amount > c.maxPricePerHour))
    return false;
  const spot = c.spot ?? 'exclude';
  if (spot === 'exclude' && offer.spot) return false;
  if (spot === 'only' && !offer.spot) return false;
  if (c.machineKinds?.length && !c.machineKinds.includes(offer.machineKind)) return false;
  if (c.gpuUtilizationReported && !offer.reportsGpuUtilization) return false;
  return true;
}

/**
 * Placement order: available before unavailable, priced before unpriced (an offer with no known price is
 * never treated as free), cheapest first, then full VMs before containers and on-demand before spot at
 * the same price, then a stable tie-break so two replicas rank identically.
 */
export function rankOffers(offers: Offer[]): Offer[] {
  return [...offers].sort(
    (a, b) =>
      Number(b.available) - Number(a.available) ||
      Number(a.pricePerHour === null) - Number(b.pricePerHour === null) ||
      (a.pricePerHour?.amount ?? 0) - (b.pricePerHour?.amount ?? 0) ||
      Number(a.machineKind === 'container') - Number(b.machineKind === 'container') ||
      Number(a.spot) - Number(b.spot) ||
      a.skuCode.localeCompare(b.skuCode) ||
      a.datacenter.code.localeCompare(b.datacenter.code) ||
      a.providerAccountId.localeCompare(b.providerAccountId),
  );
}
