import type { Money } from '../../core/domain/types.ts';
import { ProviderError } from '../../core/provider/errors.ts';
import type { ProviderVolume, VolumeCapabilities } from '../../core/provider/provider.ts';
import { PROVIDER_ID } from './errors.ts';
import type { NetworkVolume, VolumeListData } from './wire.ts';

/**
 * RunPod network volumes as gpufleet volumes. A network volume lives in one Secure Cloud data center
 * (`dataCenterId`, e.g. `EU-RO-1`), the same id an offer's `location.code` is, and is attached to a pod only
 * when the pod is created (`networkVolumeId`), one per pod, pinning the pod to that data center.
 */
export const RUNPOD_VOLUMES: VolumeCapabilities = {
  kind: 'network volume',
  // The GraphQL create takes no storage tier: RunPod gives the data center's default one.
  types: ['network'],
  // REST v2 10–4096 GB, REST v1 0–4000, runpodctl 1–4000: what all of them accept.
  minSizeGB: 10,
  maxSizeGB: 4000,
  // `updateNetworkVolume {id, size}`, never smaller ("can be increased later, but cannot be decreased").
  resize: true,
  // `updateNetworkVolume {id, name}`.
  rename: true,
  // "Network volumes must be attached during Pod deployment … nor can they be unattached later without
  // deleting the Pod."
  attachToExisting: false,
  attachRequiresStopped: false,
  maxPerInstance: 1,
  // The network volume replaces the pod's volume disk at its mount path, `/workspace` unless a template says
  // otherwise.
  mountHint: '/workspace',
};

/** The one volume type an order may name (`capabilities.volumes.types`). */
export const VOLUME_TYPE = 'network';

// ---- tag -----------------------------------------------------------------------------------------

/**
 * A network volume has nothing but a name (no tags, no description), so the gpufleet volume id travels at the
 * end of it: `<name> gpufleet-<id>`, e.g. `training data gpufleet-0b6c…`. A rename keeps the tag. The name
 * part keeps letters, digits, spaces, `-`, `_` and `.` (what third-party SDKs say RunPod takes; RunPod
 * documents no rule) and at most 60 characters.
 */
const TAG_PREFIX = 'gpufleet-';
const TAG_AT_END = /(?:^|\s)gpufleet-([A-Za-z0-9-]{1,64})$/;
const GPUFLEET_ID = /^[A-Za-z0-9-]{1,64}$/;
const MAX_NAME_LENGTH = 60;

export function cleanVolumeName(name: string): string {
  return name
    .replace(/\s+/g, ' ')
    .replace(/[^\p{L}\p{N} _.-]/gu, '-')
    .trim()
    .slice(0, MAX_NAME_LENGTH)
    .trim();
}

export function taggedVolumeName(gpufleetId: string, name: string): string {
  if (!GPUFLEET_ID.test(gpufleetId)) {
    throw new ProviderError({
      provider: PROVIDER_ID,
      kind: 'invalid_request',
      message: `gpufleet volume id "${gpufleetId}" cannot be carried in a RunPod volume name (letters, digits and "-" only)`,
    });
  }
  const human = cleanVolumeName(name);
  return human ? `${human} ${TAG_PREFIX}${gpufleetId}` : `${TAG_PREFIX}${gpufleetId}`;
}

/** The human part and the gpufleet id of a volume name; a name without the tag is someone else's volume. */
export function readVolumeName(raw: string): { name: string; gpufleetId: string | null } {
  const match = TAG_AT_END.exec(raw);
  if (!match) return { name: raw, gpufleetId: null };
  return { name: raw.slice(0, match.index).trim(), gpufleetId: match[1] as string };
}

// ---- price ---------------------------------------------------------------------------------------

/**
 * Standard network storage: the first 1 TB at $0.07 per GB-month, beyond it $0.05 (RunPod's storage docs;
 * 1 TB taken as 1000 GB, RunPod sizes being decimal GB). The rate quoted is the volume's average per GB, so
 * size × rate is its monthly bill. RunPod's older pricing page (and dstack) read the tiers as the whole volume
 * at $0.05 once over 1 TB; volumes up to 1 TB cost the same either way. High-performance volumes cost more, by
 * data center, and the GraphQL listing does not say which tier a volume has.
 */
const FIRST_TIER_GB = 1000;
const FIRST_TIER_RATE = 0.07;
const BEYOND_RATE = 0.05;

export function volumePricePerGBMonth(sizeGB: number): Money {
  if (sizeGB <= FIRST_TIER_GB) return { amount: FIRST_TIER_RATE, currency: 'usd' };
  const monthly = FIRST_TIER_GB * FIRST_TIER_RATE + (sizeGB - FIRST_TIER_GB) * BEYOND_RATE;
  return { amount: Math.round((monthly / sizeGB) * 10_000) / 10_000, currency: 'usd' };
}

// ---- volumes -------------------------------------------------------------------------------------

/**
 * RunPod reports no state for a network volume: it exists at its size as soon as the create answers. It is
 * `Attached` while a pod, running or stopped, has it (`Pod.networkVolumeId`), `Available` otherwise.
 */
export function volumeOf(volume: NetworkVolume, attachedPodIds: string[]): ProviderVolume {
  const { name, gpufleetId } = readVolumeName(volume.name);
  const attached = attachedPodIds.length > 0;
  return {
    providerVolumeId: volume.id,
    gpufleetId,
    name,
    locationCode: volume.dataCenterId,
    sizeGB: volume.size,
    type: VOLUME_TYPE,
    status: attached ? 'Attached' : 'Available',
    providerStatus: attached ? 'attached' : 'unattached',
    attachedInstanceIds: attachedPodIds,
    pricePerGBMonth: volumePricePerGBMonth(volume.size),
    createdAt: null,
  };
}

export function volumesFrom(myself: VolumeListData['myself']): ProviderVolume[] {
  const users = new Map<string, string[]>();
  for (const pod of myself.pods ?? []) {
    if (!pod.networkVolumeId) continue;
    const list = users.get(pod.networkVolumeId) ?? [];
    list.push(pod.id);
    users.set(pod.networkVolumeId, list);
  }
  return (myself.networkVolumes ?? []).map((v) => volumeOf(v, users.get(v.id) ?? []));
}

/** An order's size, checked against what RunPod takes before anything is sent. */
export function checkVolumeSize(sizeGB: number): void {
  if (Number.isInteger(sizeGB) && sizeGB >= RUNPOD_VOLUMES.minSizeGB && sizeGB <= RUNPOD_VOLUMES.maxSizeGB) return;
  throw new ProviderError({
    provider: PROVIDER_ID,
    kind: 'invalid_request',
    message: `a RunPod network volume is a whole number of GB from ${RUNPOD_VOLUMES.minSizeGB} to ${RUNPOD_VOLUMES.maxSizeGB}; got ${sizeGB}`,
  });
}
