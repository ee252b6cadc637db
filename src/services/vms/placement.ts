import type { DatacenterInfo, Offer } from '../../contract/catalog.ts';
import type { MachineKind, Money } from '../../core/domain/types.ts';

/** One place an order may land, frozen at order time so failover walks a fixed, explainable list. */
export interface Candidate {
  accountId: string;
  provider: string;
  providerSkuId: string;
  locationCode: string;
  skuId: string;
  skuCode: string;
  datacenter: DatacenterInfo;
  series: { id: string; code: string; name: string };
  gpuCount: number;
  vcpu: number;
  ramGiB: number;
  diskGB: number;
  pricePerHour: Money | null;
  spot: boolean;
  machineKind: MachineKind;
  billsWhileStopped: boolean;
}

/** What a create job carries. */
export interface CreatePayload {
  candidates: Candidate[];
  index: number;
  phase: 'place' | 'boot' | 'cleanup';
  /** The create call of the current candidate was sent and its outcome is not known yet. */
  pendingCreate: boolean;
  createRetries: number;
  bootDeadline: string | null;
  /** Placing must be done by then (set when placing starts); past it the order ends in Error with a reason. */
  placeDeadline?: string | null;
  /** Since when, and how often, placing has been waiting for a provider that does not answer. */
  unavailableSince?: string | null;
  providerRetries?: number;
  cleanupInstanceId: string | null;
  maxPricePerHour: number | null;
  /** gpufleet volumes to attach at create (absent in jobs recorded before volumes). */
  volumeIds?: string[];
  /** The order named no username: take the one the provider's image logs in with. */
  defaultUsername: boolean;
}

export function candidateFromOffer(offer: Offer): Candidate {
  return {
    accountId: offer.providerAccountId,
    provider: offer.provider,
    providerSkuId: offer.providerSkuId,
    locationCode: offer.providerLocationCode,
    skuId: offer.skuId,
    skuCode: offer.skuCode,
    datacenter: offer.datacenter,
    series: offer.series,
    gpuCount: offer.gpuCount,
    vcpu: offer.specs.vcpu,
    ramGiB: offer.specs.memoryGiB,
    diskGB: offer.specs.storageGB,
    pricePerHour: offer.pricePerHour,
    spot: offer.spot,
    machineKind: offer.machineKind,
    billsWhileStopped: offer.billsWhileStopped,
  };
}
