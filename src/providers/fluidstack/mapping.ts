import type { Money, VmStatus } from '../../core/domain/types.ts';
import { ProviderError } from '../../core/provider/errors.ts';
import type { ProviderInstance, ProviderLogger, ProviderOffer } from '../../core/provider/provider.ts';
import { gpuSpecOf } from './gpu-model.ts';
import { FLUIDSTACK_IMAGES } from './images.ts';
import type { PreemptionTracker } from './preemption.ts';
import { quantityGiB } from './quantity.ts';
import { PROVIDER_ID, type PriceSheetEntry, type RegionConfig } from './settings.ts';
import type { Instance, InstanceType } from './wire.ts';

/** The tag that carries gpufleet's VM id (tag keys: alphanumeric at both ends, `-` inside). */
export const GPUFLEET_ID_TAG = 'gpufleet-id';
export const MANAGED_BY_TAG = 'managed-by';

/** Atlas `state` → gpufleet status (the normalized cheat-sheet). `deleting` lasts until GET answers 404. */
const STATUS: Record<string, VmStatus> = {
  creating: 'Provisioning',
  starting: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  deleting: 'Stopping',
  'out-of-stock': 'Error',
  error: 'Error',
};

/** Maps states, logging each state it does not know once, so a new Atlas state is noticed but not spammed. */
export class StatusMapper {
  private readonly unknownSeen = new Set<string>();

  constructor(private readonly logger: ProviderLogger) {}

  map(raw: string): VmStatus {
    const status = STATUS[raw];
    if (status) return status;
    if (!this.unknownSeen.has(raw)) {
      this.unknownSeen.add(raw);
      this.logger.warn('fluidstack: unknown instance state, reported as Unknown', { provider: PROVIDER_ID, state: raw });
    }
    return 'Unknown';
  }
}

/** GPU fields in either spelling the API has used. */
export function gpuOf(type: InstanceType): { model: string; count: number } | null {
  const model = type.gpuModel ?? type.gpu_model;
  const count = type.gpuCount ?? type.gpu_count ?? 0;
  return model && count > 0 ? { model, count } : null;
}

/**
 * The price of a type from the account's price sheet. A region-specific entry beats a general one; a
 * preemptible offer takes its own entry and otherwise has no price (never the on-demand one: it would
 * rank an interruptible VM as if it were a sure one at the same cost).
 */
export function priceOf(sheet: PriceSheetEntry[], instanceType: string, region: string, preemptible: boolean): Money | null {
  const candidates = sheet.filter(
    (e) => e.instanceType === instanceType && (e.preemptible ?? false) === preemptible && (e.region ?? region) === region,
  );
  const best = candidates.find((e) => e.region === region) ?? candidates[0];
  return best ? { amount: best.pricePerHour, currency: best.currency.toLowerCase() } : null;
}

export function offersOf(
  region: RegionConfig,
  types: InstanceType[],
  capacity: Map<string, number>,
  sheet: PriceSheetEntry[],
): ProviderOffer[] {
  const offers: ProviderOffer[] = [];
  for (const type of types) {
    const gpu = gpuOf(type);
    // gpufleet orders GPU VMs; CPU-only types (`cpu.8x`) are not offers.
    if (!gpu) continue;
    const spec = gpuSpecOf(gpu.model, gpu.count);
    const ramGiB = quantityGiB(type.memory) ?? 0;
    const available = (capacity.get(type.name) ?? 0) > 0;
    for (const preemptible of [false, true]) {
      offers.push({
        providerSkuId: type.name,
        providerSkuName: type.name,
        location: region.location,
        gpu: spec,
        vcpu: type.cpu,
        ramGiB,
        // Atlas publishes no boot disk size for a type.
        diskGB: 0,
        pricePerHour: priceOf(sheet, type.name, region.name, preemptible),
        spot: preemptible,
        available,
        machineKind: 'vm',
        description:
          `${gpu.count}× ${spec.model}${spec.interconnect ? ` ${spec.interconnect}` : ''} ${spec.memoryGiB} GB, ` +
          `${type.cpu} vCPU, ${ramGiB} GiB RAM in ${region.name}${preemptible ? ', preemptible' : ''}`,
      });
    }
  }
  return offers;
}

export interface InstanceContext {
  region: RegionConfig;
  types: Map<string, InstanceType>;
  sheet: PriceSheetEntry[];
  statuses: StatusMapper;
  /** Tells a preemption from a stop of ours (Atlas shows both as `stopped`). */
  preemption: PreemptionTracker;
}

export function instanceOf(wire: Instance, ctx: InstanceContext): ProviderInstance {
  const type = ctx.types.get(wire.type);
  const gpu = type ? gpuOf(type) : null;
  const ip = wire.ip ?? null;
  return {
    providerInstanceId: wire.id,
    gpufleetId: wire.tags?.[GPUFLEET_ID_TAG] ?? null,
    name: wire.name,
    status: ctx.statuses.map(wire.state),
    providerStatus: wire.state,
    statusReason: wire.state === 'out-of-stock' ? 'capacity' : ctx.preemption.reasonFor(wire),
    ip,
    // The document calls `ip` the instance's *private* address; Atlas has no public-IP field.
    ipIsPrivate: ip !== null,
    sshPort: 22,
    // Cloud-init's default user of Atlas's Ubuntu images; SSH keys are installed for it.
    username: 'ubuntu',
    jupyterUrl: null,
    providerSkuId: wire.type,
    locationCode: ctx.region.name,
    gpuCount: gpu?.count ?? 0,
    vcpu: type?.cpu ?? null,
    ramGiB: type ? quantityGiB(type.memory) : null,
    diskGB: null,
    pricePerHour: priceOf(ctx.sheet, wire.type, ctx.region.name, wire.preemptible),
    spot: wire.preemptible,
    image: wire.image ? imageNameOf(wire.image) : null,
    // Atlas instances carry no creation time.
    createdAt: null,
  };
}

/**
 * Portable image names Fluidstack declares (images.ts) → Atlas image references (`image://ubuntu22.04`).
 * Full references (`image://…`, an image URL) pass through untouched.
 */
export function atlasImageOf(image: string): string {
  if (/^(image|https?):\/\//.test(image)) return image;
  const declared = FLUIDSTACK_IMAGES.find((i) => i.name === image.trim());
  if (declared) return declared.providerImage;
  throw new ProviderError({
    provider: PROVIDER_ID,
    kind: 'invalid_request',
    message: `image "${image}" has no Fluidstack equivalent (use ${FLUIDSTACK_IMAGES.map((i) => i.name).join(', ')} or an image:// reference)`,
  });
}

/** Responses drop the `image://` prefix: `ubuntu22.04` reads back as `ubuntu-22.04`. */
export function imageNameOf(atlasImage: string): string {
  const bare = atlasImage.replace(/^image:\/\//, '');
  const ubuntu = /^ubuntu(\d{2}\.\d{2})$/.exec(bare);
  return ubuntu ? `ubuntu-${ubuntu[1]}` : bare;
}

/** A valid hostname-like instance name: lower case letters, digits and dashes, at most 63 characters. */
export function instanceNameOf(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return cleaned || 'gpufleet-vm';
}
