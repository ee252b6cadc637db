import { randomUUID } from 'node:crypto';
import type { CreateInstanceRequest, ProviderOffer } from '../../src/core/provider/provider.ts';

/** A create request for one offer as gpufleet would send it (a fresh tag, Ubuntu 24.04, on demand). */
export function createRequestFor(offer: ProviderOffer, overrides: Partial<CreateInstanceRequest> = {}): CreateInstanceRequest {
  return {
    gpufleetId: randomUUID(),
    name: `test-${Math.floor(Math.random() * 1e6)}`,
    providerSkuId: offer.providerSkuId,
    locationCode: offer.location.code,
    gpuCount: offer.gpu.count,
    spot: false,
    image: 'ubuntu-24.04',
    username: null,
    sshPublicKeys: [],
    ...overrides,
  };
}
