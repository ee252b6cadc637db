import { describe, expect, it } from 'vitest';
import { buildCatalog, skuCodeFor } from '../../src/catalog/catalog.ts';
import { stableUuid } from '../../src/catalog/ids.ts';
import { matchesConstraints, rankOffers } from '../../src/catalog/ranking.ts';
import { seriesForModel } from '../../src/catalog/series.ts';
import type { ProviderCapabilities, ProviderOffer } from '../../src/core/provider/provider.ts';

const caps: ProviderCapabilities = {
  stopStart: true,
  billsWhileStopped: false,
  spot: true,
  machineKind: 'vm',
  jupyter: false,
  volumes: null,
  workload: { startupScriptVia: 'user data', maxStartupScriptBytes: 16384, env: 'script', ports: 'public-ip' },
};

function offer(over: Partial<ProviderOffer> & { price?: number | null; model?: string; count?: number }): ProviderOffer {
  return {
    providerSkuId: over.providerSkuId ?? `type-${over.model ?? 'H100'}-${over.count ?? 1}`,
    providerSkuName: over.providerSkuName ?? 'type',
    location: over.location ?? { code: 'FIN-01', name: 'Helsinki', country: 'Finland', countryAbbr: 'FI', region: 'europe' },
    gpu: { model: over.model ?? 'H100', vendor: 'NVIDIA', memoryGiB: 80, count: over.count ?? 1, interconnect: 'SXM' },
    vcpu: 22,
    ramGiB: 180,
    diskGB: 500,
    pricePerHour: over.price === null ? null : { amount: over.price ?? 2, currency: 'usd' },
    spot: over.spot ?? false,
    available: over.available ?? true,
    machineKind: over.machineKind ?? 'vm',
    description: '',
  };
}

describe('catalog ids', () => {
  it('derives the same v5 UUID for the same name and different ones otherwise', () => {
    const a = stableUuid('series:h100_series');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableUuid('series:h100_series')).toBe(a);
    expect(stableUuid('series:a100_series')).not.toBe(a);
  });

  it('maps known models onto series and flags unknown ones without dropping them', () => {
    expect(seriesForModel('H100')).toMatchObject({ code: 'h100_series', name: 'H100 Series', unmapped: false });
    expect(seriesForModel('rtx a6000').code).toBe('rtxa6000_series');
    const odd = seriesForModel('Quantum Q1');
    expect(odd).toMatchObject({ code: 'quantumq1_series', unmapped: true });
  });

  it('gives SKUs distinct codes per provider type, GPU count and spot', () => {
    expect(skuCodeFor('verda', '1H100.80S.22V', 1, false)).toBe('verda.1h100-80s-22v.1x');
    expect(skuCodeFor('verda', '1H100.80S.22V', 1, true)).toBe('verda.1h100-80s-22v.1x.spot');
  });
});

describe('catalog building and ranking', () => {
  it('builds series and one datacenter per provider location from every account', () => {
    const catalog = buildCatalog([
      {
        accountId: 'a1',
        provider: 'verda',
        providerDisplayName: 'Verda',
        capabilities: caps,
        offers: [offer({}), offer({ model: 'A100' })],
      },
      {
        accountId: 'a2',
        provider: 'runpod',
        providerDisplayName: 'RunPod',
        capabilities: { ...caps, machineKind: 'container' },
        offers: [
          offer({
            location: { code: 'EU-RO-1', name: 'Romania', country: 'Romania', countryAbbr: 'RO', region: 'europe' },
            machineKind: 'container',
          }),
        ],
      },
    ]);
    expect(catalog.series.map((s) => s.code)).toEqual(['a100_series', 'h100_series']);
    expect(catalog.datacenters.map((d) => d.code)).toEqual(['runpod-eu-ro-1', 'verda-fin-01']);
    expect(catalog.offers).toHaveLength(3);
  });

  it('ranks available before unavailable, priced before unpriced, cheapest first, VMs before containers', () => {
    const catalog = buildCatalog([
      {
        accountId: 'a1',
        provider: 'p',
        providerDisplayName: 'P',
        capabilities: caps,
        offers: [
          offer({ providerSkuId: 'unpriced', price: null }),
          offer({ providerSkuId: 'cheap-gone', price: 1, available: false }),
          offer({ providerSkuId: 'mid', price: 3 }),
          offer({ providerSkuId: 'cheap', price: 2 }),
          offer({ providerSkuId: 'cheap-container', price: 2, machineKind: 'container' }),
        ],
      },
    ]);
    expect(rankOffers(catalog.offers).map((o) => o.providerSkuId)).toEqual([
      'cheap',
      'cheap-container',
      'mid',
      'unpriced',
      'cheap-gone',
    ]);
  });

  it('applies constraints: countries, providers, price cap, spot and machine kind', () => {
    const [vm] = buildCatalog([
      { accountId: 'a', provider: 'verda', providerDisplayName: 'Verda', capabilities: caps, offers: [offer({ price: 3 })] },
    ]).offers;
    if (!vm) throw new Error('no offer');
    expect(matchesConstraints(vm, { countries: ['fi'] })).toBe(true);
    expect(matchesConstraints(vm, { countries: ['US'] })).toBe(false);
    expect(matchesConstraints(vm, { excludeProviders: ['verda'] })).toBe(false);
    expect(matchesConstraints(vm, { maxPricePerHour: 2.5 })).toBe(false);
    expect(matchesConstraints(vm, { spot: 'only' })).toBe(false);
    expect(matchesConstraints(vm, { machineKinds: ['container'] })).toBe(false);
    expect(matchesConstraints({ ...vm, pricePerHour: null }, { maxPricePerHour: 10 })).toBe(false);
  });
});
