import { findDataCenter } from './catalog.ts';
import { fail } from './errors.ts';
import { randomVolumeId } from './ids.ts';

/**
 * The account's network volumes: storage in one data center that outlives the pods it is attached to.
 * RunPod's `NetworkVolume` has no state field (no creating, no resizing), so a volume exists, at its size,
 * as soon as `createNetworkVolume` answers; attachment is a property of the pods, not of the volume.
 */
export interface SimNetworkVolume {
  id: string;
  name: string;
  /** GB. */
  size: number;
  dataCenterId: string;
}

/**
 * Size bounds. REST v1 documents 0 to 4000 GB, REST v2 10 to 4096 GB, runpodctl 1 to 4000 and the storage docs
 * "beyond 4 TB, contact support". The GraphQL API documents none; the simulator takes what every one of them
 * accepts, 10 to 4000.
 */
export const VOLUME_MIN_GB = 10;
export const VOLUME_MAX_GB = 4000;

// RunPod's own words (dstack#2993 for the data center, dstack PR #3781 for a volume in use).
export const NO_DATA_CENTER = 'Failed to find data center, please try again.';
export const VOLUME_IN_USE = 'You must remove this network volume from all pods before deleting it.';
// Not documented anywhere RunPod's answer could be read: the simulator's own wording.
export const VOLUME_NOT_FOUND = 'Network volume not found.';
export const VOLUME_SIZE_RANGE = `Network volume size must be between ${VOLUME_MIN_GB} and ${VOLUME_MAX_GB} GB.`;
export const VOLUME_NO_SHRINK = 'Network volume size can only be increased.';
export const VOLUME_NAME_REQUIRED = 'Network volume name is required.';

export interface CreateVolumeInput {
  name?: string | null;
  size?: number | null;
  dataCenterId?: string | null;
}

export interface UpdateVolumeInput {
  id: string;
  name?: string | null;
  size?: number | null;
}

export class NetworkVolumes {
  private readonly byId = new Map<string, SimNetworkVolume>();

  constructor(
    private readonly random: () => number,
    private readonly onChange: () => void,
    /** Ids of the pods (running or stopped) that have the volume attached. */
    private readonly podsUsing: (volumeId: string) => string[],
    saved: SimNetworkVolume[] = [],
  ) {
    for (const volume of saved) this.byId.set(volume.id, volume);
  }

  /** In creation order, the order `myself.networkVolumes` lists them in. */
  list(): SimNetworkVolume[] {
    return [...this.byId.values()];
  }

  get(id: string): SimNetworkVolume | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  create(input: CreateVolumeInput): SimNetworkVolume {
    const name = checkName(input.name);
    const size = checkSize(input.size);
    const dataCenter = input.dataCenterId ? findDataCenter(input.dataCenterId) : undefined;
    // Community Cloud "regions" (country codes such as `CZ`) are not data centers either.
    if (!dataCenter) fail(NO_DATA_CENTER);
    let id = randomVolumeId(this.random);
    while (this.byId.has(id)) id = randomVolumeId(this.random);
    const volume: SimNetworkVolume = { id, name, size, dataCenterId: dataCenter.id };
    this.byId.set(id, volume);
    this.onChange();
    return volume;
  }

  /** Rename and grow; a volume in use may be changed too (the console allows it). */
  update(input: UpdateVolumeInput): SimNetworkVolume {
    const volume = this.byId.get(input.id) ?? fail(VOLUME_NOT_FOUND);
    const name = input.name === undefined || input.name === null ? volume.name : checkName(input.name);
    let size = volume.size;
    if (input.size !== undefined && input.size !== null) {
      size = checkSize(input.size);
      if (size < volume.size) fail(VOLUME_NO_SHRINK);
    }
    volume.name = name;
    volume.size = size;
    this.onChange();
    return volume;
  }

  delete(id: string): void {
    if (!this.byId.has(id)) fail(VOLUME_NOT_FOUND);
    // A stopped pod keeps its network volume, so it blocks the delete as much as a running one.
    if (this.podsUsing(id).length > 0) fail(VOLUME_IN_USE, 'RUNPOD');
    this.byId.delete(id);
    this.onChange();
  }
}

function checkName(name: string | null | undefined): string {
  if (typeof name !== 'string' || name.trim() === '') fail(VOLUME_NAME_REQUIRED);
  return name;
}

function checkSize(size: number | null | undefined): number {
  if (typeof size !== 'number' || size < VOLUME_MIN_GB || size > VOLUME_MAX_GB) fail(VOLUME_SIZE_RANGE);
  return size;
}
