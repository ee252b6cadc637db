import { randomUuid, seededRandom } from '../../kit/sim/random.ts';
import { StateFile } from '../../kit/sim/state-file.ts';
import { findType, SIM_IMAGES } from './catalog.ts';

export type OnSpotDiscontinue = 'keep_detached' | 'move_to_trash' | 'delete_permanently';

export interface SimInstanceRecord {
  id: string;
  /** The real state; `rawOverride` (set by `setRawStatus`) is shown instead when present. */
  status: string;
  rawOverride: string | null;
  instanceType: string;
  location: string;
  isSpot: boolean;
  contract: string;
  hostname: string;
  description: string;
  image: string;
  sshKeyIds: string[];
  startupScriptId: string | null;
  osVolumeId: string | null;
  osVolume: { name: string; size: number; onSpotDiscontinue: OnSpotDiscontinue };
  ip: string | null;
  jupyterToken: string;
  priceUsd: number;
  createdAt: string;
  /** Placed on a host: its GPUs are taken until it is discontinued. */
  holdsCapacity: boolean;
  /** A `shutdown` is under way (the instance still reads `running` until it is `offline`). */
  shutdownRequested: boolean;
  /** Data volumes the deploy asked for (`volumes`), created and attached when the instance is placed. */
  newVolumes?: NewVolumeSpec[];
}

/** One entry of the deploy body's `volumes` (`VolumeDto`). */
export interface NewVolumeSpec {
  name: string;
  size: number;
  type: string;
  onSpotDiscontinue: OnSpotDiscontinue;
}

/** The volume states the simulator reaches (a subset of the spec's 13; the others are never entered). */
export type SimVolumeStatus =
  | 'ordered'
  | 'attaching'
  | 'attached'
  | 'detaching'
  | 'detached'
  | 'deleting'
  | 'deleted'
  | 'cloning'
  | 'restoring';

export interface SimVolume {
  id: string;
  name: string;
  size: number;
  /** `NVMe` or `HDD` (OS volumes are NVMe). */
  type: string;
  location: string;
  /** The instance it is attached to, being attached to or being detached from. */
  instanceId: string | null;
  isOsVolume: boolean;
  status: SimVolumeStatus;
  /** Deleted for good rather than moved to the trash (kept 96 h, still counted). */
  permanentlyDeleted: boolean;
  /** The device it shows up as on its instance (`vda` for the OS volume, then `vdb`, …); null when detached. */
  target: string | null;
  createdAt: string;
  /** When it reached `deleted`; the trash forgets it 96 h later. */
  deletedAt: string | null;
  /** Where a `deleting` volume ends: deleted for good or in the trash. */
  deletingPermanently?: boolean;
  /** Created with a spot instance: what the instance's eviction does to it (existing volumes stay detached). */
  onSpotDiscontinue?: OnSpotDiscontinue;
}

/** How long the trash keeps a deleted volume, as Verda documents for `move_to_trash`. */
export const TRASH_RETENTION_MS = 96 * 60 * 60_000;

export interface SimSshKey {
  id: string;
  name: string;
  key: string;
  created_at: string;
}

export interface SimScript {
  id: string;
  name: string;
  script: string;
}

interface WorldSnapshot {
  version: 1;
  generation: number;
  instances: SimInstanceRecord[];
  volumes: SimVolume[];
  sshKeys: SimSshKey[];
  scripts: SimScript[];
}

export const CREATED_BY = '7dfc2631-0158-4f74-93f6-6b46dcb90fef';

/** Everything the simulated project holds, persisted to a state file when one is given. */
export class VerdaWorld {
  readonly instances = new Map<string, SimInstanceRecord>();
  readonly volumes = new Map<string, SimVolume>();
  /** Volumes attached to each instance, so a view or an action touches its own volumes, not every one. */
  private readonly attached = new Map<string, Set<SimVolume>>();
  readonly sshKeys = new Map<string, SimSshKey>();
  readonly scripts = new Map<string, SimScript>();
  readonly random: () => number;
  private readonly file: StateFile<WorldSnapshot>;
  private readonly generation: number;

  constructor(seed: number, stateFile: string | undefined) {
    this.file = new StateFile(stateFile, () => this.snapshot());
    const saved = this.file.load();
    this.generation = (saved?.version === 1 ? saved.generation : 0) + 1;
    // A restarted simulator must not draw the same ids again.
    this.random = seededRandom(seed + this.generation * 0x9e3779b1);
    if (saved?.version === 1) {
      for (const instance of saved.instances) this.instances.set(instance.id, instance);
      for (const volume of saved.volumes) this.addVolume(withVolumeDefaults(volume));
      for (const key of saved.sshKeys) this.sshKeys.set(key.id, key);
      for (const script of saved.scripts) this.scripts.set(script.id, script);
    }
  }

  addVolume(volume: SimVolume): void {
    this.volumes.set(volume.id, volume);
    if (volume.instanceId !== null) {
      let set = this.attached.get(volume.instanceId);
      if (!set) {
        set = new Set();
        this.attached.set(volume.instanceId, set);
      }
      set.add(volume);
    }
  }

  /** The volumes attached to an instance (a copy: detaching while iterating is fine). */
  volumesOf(instanceId: string): SimVolume[] {
    return [...(this.attached.get(instanceId) ?? [])];
  }

  detach(volume: SimVolume): void {
    volume.target = null;
    if (volume.instanceId === null) return;
    const set = this.attached.get(volume.instanceId);
    set?.delete(volume);
    if (set?.size === 0) this.attached.delete(volume.instanceId);
    volume.instanceId = null;
  }

  /** Tie a volume to an instance (its status is the caller's to set). */
  attach(volume: SimVolume, instanceId: string): void {
    this.detach(volume);
    volume.instanceId = instanceId;
    let set = this.attached.get(instanceId);
    if (!set) {
      set = new Set();
      this.attached.set(instanceId, set);
    }
    set.add(volume);
  }

  /** The first free device name on an instance: `vda` is the OS volume's, data volumes get `vdb`, `vdc`, … */
  nextTarget(instanceId: string): string {
    const taken = new Set(this.volumesOf(instanceId).map((v) => v.target));
    for (let code = 'b'.charCodeAt(0); code <= 'z'.charCodeAt(0); code++) {
      const target = `vd${String.fromCharCode(code)}`;
      if (!taken.has(target)) return target;
    }
    return 'vdz';
  }

  /** A volume reaches `deleted`: detached, and either in the trash or gone for good. */
  markDeleted(volume: SimVolume, permanently: boolean): void {
    this.detach(volume);
    volume.status = 'deleted';
    volume.permanentlyDeleted = permanently;
    volume.deletedAt = new Date().toISOString();
    delete volume.deletingPermanently;
  }

  /** Forget deleted volumes whose 96 h in the trash are over (Verda stops showing them then). */
  purgeVolumes(now = Date.now()): void {
    let purged = false;
    for (const volume of this.volumes.values()) {
      if (volume.status !== 'deleted' || !volume.deletedAt) continue;
      if (Date.parse(volume.deletedAt) + TRASH_RETENTION_MS > now) continue;
      this.volumes.delete(volume.id);
      purged = true;
    }
    if (purged) this.changed();
  }

  /**
   * Data volumes that exist at the provider: not yet `deleted` (a `deleting` one still exists and is listed). OS
   * volumes are left out: gpufleet creates and deletes them with their instance and never lists them as volumes.
   */
  liveVolumeIds(): string[] {
    return [...this.volumes.values()].filter((v) => !v.isOsVolume && v.status !== 'deleted').map((v) => v.id);
  }

  newId(): string {
    return randomUuid(this.random);
  }

  changed(): void {
    this.file.changed();
  }

  flush(): void {
    this.file.flush();
  }

  /** Instances that exist at the provider: not yet discontinued. */
  liveInstanceIds(): string[] {
    return [...this.instances.values()].filter((i) => i.status !== 'discontinued').map((i) => i.id);
  }

  /** What the API reports for one instance (`GetInstanceResponsePublicApiDto`). */
  view(record: SimInstanceRecord) {
    const type = findType(record.instanceType);
    const osName = SIM_IMAGES.find((i) => i.image_type === record.image)?.details[0] ?? 'Ubuntu 24.04';
    return {
      id: record.id,
      ip: record.ip,
      status: record.rawOverride ?? record.status,
      created_at: record.createdAt,
      created_by_user_id: CREATED_BY,
      cpu: type?.cpu ?? { description: '', number_of_cores: 0 },
      gpu: type?.gpu ?? { description: '', number_of_gpus: 0 },
      gpu_memory: type?.gpu_memory ?? { description: '', size_in_gigabytes: 0 },
      memory: type?.memory ?? { description: '', size_in_gigabytes: 0 },
      storage: type?.storage ?? { description: 'dynamic' },
      hostname: record.hostname,
      description: record.description,
      location: record.location,
      price_per_hour: record.priceUsd,
      is_spot: record.isSpot,
      instance_type: record.instanceType,
      image: record.image,
      os_name: osName,
      startup_script_id: record.startupScriptId,
      ssh_key_ids: record.sshKeyIds,
      os_volume_id: record.osVolumeId,
      jupyter_token: record.jupyterToken,
      contract: record.contract,
      pricing: 'FIXED_PRICE',
      volume_ids: this.volumesOf(record.id).map((v) => v.id),
    };
  }

  private snapshot(): WorldSnapshot {
    return {
      version: 1,
      generation: this.generation,
      instances: [...this.instances.values()],
      volumes: [...this.volumes.values()],
      sshKeys: [...this.sshKeys.values()],
      scripts: [...this.scripts.values()],
    };
  }
}

/** A volume from a state file written before volumes had types, targets and dates. */
function withVolumeDefaults(saved: SimVolume): SimVolume {
  const volume = saved as Partial<SimVolume> & SimVolume;
  return {
    ...volume,
    type: volume.type ?? 'NVMe',
    target: volume.target ?? (volume.isOsVolume && volume.instanceId ? 'vda' : null),
    createdAt: volume.createdAt ?? new Date().toISOString(),
    deletedAt: volume.deletedAt ?? (volume.status === 'deleted' ? new Date().toISOString() : null),
  };
}
