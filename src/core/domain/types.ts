/**
 * Domain types. They describe GPU VMs, offers and the rest in gpufleet's own terms: no provider wire format
 * leaks in here. The words GPCN's API fixes (VM and volume statuses, machine kinds, money, ports, roles) are
 * the contract's (`src/contract`, the lowest layer) and named here too, because providers speak them.
 */

import type { UserRole } from '../../contract/api-keys.ts';
import type { VmStatus } from '../../contract/gpu-vm.ts';

export type { UserRole } from '../../contract/api-keys.ts';
export type { Money } from '../../contract/common.ts';
export type { MachineKind, PortEndpoint, PortSpec, VmStatus } from '../../contract/gpu-vm.ts';
export type { VolumeStatus } from '../../contract/volumes.ts';

/** A VM in one of these states is changing and is polled faster. */
export const TRANSITIONAL_STATUSES: readonly VmStatus[] = ['Provisioning', 'Starting', 'Stopping'];

export type GpuInterconnect = 'SXM' | 'PCIe' | 'NVLink';

export interface GpuSpec {
  /** Canonical model name as gpufleet's catalog knows it, e.g. `H100`, `A100`, `RTX A6000`, `L40S`. */
  model: string;
  vendor: 'NVIDIA' | 'AMD' | 'Other';
  /** Memory of one GPU, GiB. */
  memoryGiB: number;
  count: number;
  interconnect: GpuInterconnect | null;
}

/** A physical location as a provider names it. */
export interface ProviderLocation {
  /** The provider's own code, e.g. Verda `FIN-01`, RunPod `EU-RO-1`, a Fluidstack region name. */
  code: string;
  name: string;
  country: string;
  /** ISO 3166-1 alpha-2, upper case. */
  countryAbbr: string;
  /** A broad region such as `europe`, `north-america`. */
  region: string;
}

/** GPU series of the catalog (GPCN `configuration.code`/`name`, e.g. `h100_series` / "H100 Series"). */
export interface Series {
  id: string;
  code: string;
  name: string;
  description: string;
}

/** One physical location of one provider. */
export interface Datacenter {
  id: string;
  /** gpufleet code, e.g. `verda-fin-01`. */
  code: string;
  name: string;
  region: string;
  country: string;
  countryAbbr: string;
  provider: string;
  providerLocationCode: string;
}

/** Who is calling: resolved from an API key. */
export interface Principal {
  apiKeyId: string;
  name: string;
  role: UserRole;
  entityId: string;
}

/** gpufleet serves one organisation per installation; GPCN's `entityId` fields carry this id. */
export const DEFAULT_ENTITY_ID = '00000000-0000-4000-8000-000000000001';
