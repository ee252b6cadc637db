import type { Static } from '@sinclair/typebox';
import { notFound } from '../services/errors.ts';
import type { Offer, Services } from '../services/types.ts';
import { orderConstraints } from '../services/vms/service.ts';
import type { OrderBody } from './schemas/gpu-vm-requests.ts';

/**
 * `POST /v1/resource/gpu` with `dryRun: true`: the catalog's ranking of offers for the order's series,
 * GPU count, datacenter and constraints — what placement would try, in order — without ordering.
 */
export async function previewOrder(
  services: Services,
  input: Omit<Static<typeof OrderBody>, 'dryRun'>,
): Promise<{ offers: Offer[]; ageSeconds: number }> {
  const series = (await services.catalog.series()).find((s) => s.id === input.seriesId);
  if (!series) throw notFound('GPU series', input.seriesId);
  const constraints = orderConstraints(input);
  const result = await services.catalog.offers({
    ...constraints,
    seriesCode: series.code,
    gpuCount: input.gpuCount,
    availableOnly: true,
    ...(input.datacenterId ? { datacenterId: input.datacenterId } : {}),
  });
  const offers = input.skuCode ? result.offers.filter((o) => o.skuCode === input.skuCode) : result.offers;
  return { offers, ageSeconds: result.ageSeconds };
}
