/**
 * Domain types. They describe GPU VMs, offers and the rest in gpufleet's own terms:
 * no provider wire format and no HTTP shape leaks in here.
 */

import type { VmStatus } from '../../contract/gpu-vm.ts';

export type { VmStatus } from '../../contract/gpu-vm.ts';
export type { VolumeStatus } from '../../contract/volumes.ts';

/** A VM in one of these states is changing and is polled faster. */
export const TRANSITIONAL_STATUSES: readonly VmStatus[] = ['Provisioning', 'Starting', 'Stopping'];

export interface Money {
  /** Amount in the currency's major unit (e.g. dollars), per hour where used as a price. */
  amount: number;
  /** ISO 4217, lower case as the providers send it (`usd`, `eur`). */
  currency: string;
}

/** What a user gets: a full virtual machine, or a container on a shared host (RunPod pods). */
export type MachineKind = 'vm' | 'container';

/** A port the workload listens on, to be reachable from outside the machine. */
export interface PortSpec {
  port: number;
  /** `http`: served over the provider's HTTPS proxy where it has one; `tcp`: a raw TCP mapping. */
  protocol: 'http' | 'tcp';
}

/** Where an exposed port is reachable from outside. */
export interface PortEndpoint {
  port: number;
  protocol: 'http' | 'tcp';
  /** `https://…` for an HTTP port behind a proxy or `http://ip:port`; null for a raw TCP port. */
  url: string | null;
  /** Host and port to connect to (a TCP mapping may use another public port than the one inside). */
  host: string | null;
  publicPort: number | null;
}

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

export interface SshKey {
  id: string;
  entityId: string;
  name: string;
  publicKey: string;
  /** `SHA256:…` as OpenSSH prints it. */
  fingerprint: string;
  /** e.g. `ed25519`, `rsa-4096`, `ecdsa-p256`. */
  algorithm: string;
  algorithmDisplayName: string;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

/** A shell script from the startup-script library, run once at a VM's first boot. */
export interface StartupScript {
  id: string;
  entityId: string;
  name: string;
  script: string;
  sizeBytes: number;
  createdAt: string;
  updatedAt: string;
}

export interface ResourceGroup {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export type UserRole = 'admin' | 'power_user' | 'user';

/** Who is calling: resolved from an API key. */
export interface Principal {
  apiKeyId: string;
  name: string;
  role: UserRole;
  entityId: string;
}

/** gpufleet serves one organisation per installation; GPCN's `entityId` fields carry this id. */
export const DEFAULT_ENTITY_ID = '00000000-0000-4000-8000-000000000001';
