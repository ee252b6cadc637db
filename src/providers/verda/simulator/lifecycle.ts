import { randomHex, randomTestIp } from '../../kit/sim/random.ts';
import type { SimTimers } from '../../kit/sim/timers.ts';
import type { CapacityModel } from './capacity.ts';
import { findType, SIM_IMAGES, SIM_LOCATIONS } from './catalog.ts';
import { invalid, notFound, SimError } from './sim-error.ts';
import type { VolumeLifecycle } from './volumes.ts';
import type { OnSpotDiscontinue, SimInstanceRecord, VerdaWorld } from './world.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const SPOT_POLICIES: readonly OnSpotDiscontinue[] = ['keep_detached', 'move_to_trash', 'delete_permanently'];

/** Outcome of one action: 202 (started) or 204 (already in the requested state). */
export type ActionOutcome = 'accepted' | 'unchanged';

/**
 * The asynchronous instance state machine, as Verda runs it:
 * create → `ordered` → (placed) `provisioning` → `running`, or `no_capacity` when no host was free;
 * shutdown → `offline` (still billed); start → `provisioning` → `running`;
 * delete → `deleting` → `discontinued`, which lingers in the list for a while and then vanishes;
 * spot eviction → `discontinued` at once. Existing volumes named in `existing_volumes` wait `attaching` and are
 * attached when the instance is placed, together with the new ones of `volumes`.
 */
export class InstanceLifecycle {
  constructor(
    private readonly world: VerdaWorld,
    private readonly capacity: CapacityModel,
    private readonly volumes: VolumeLifecycle,
    private readonly timers: SimTimers,
    private readonly transitionMs: number,
    private readonly lingerMs: number,
  ) {}

  get(id: string): SimInstanceRecord {
    const record = this.world.instances.get(id);
    if (!record) throw UUID.test(id) ? notFound('Invalid instance id') : invalid('Invalid instance id');
    return record;
  }

  /** `POST /instances`. Capacity is checked now (503) and again when the instance is placed (`no_capacity`). */
  deploy(body: unknown, userAgent: string | undefined): string {
    if (!userAgent?.trim()) throw invalid('user-agent header is required');
    const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const type = typeof fields['instance_type'] === 'string' ? findType(fields['instance_type']) : undefined;
    if (!type) throw invalid('Invalid instance type');
    const location = fields['location_code'];
    if (typeof location !== 'string' || location === '') throw invalid('location_code is required');
    if (!SIM_LOCATIONS.some((l) => l.code === location)) throw invalid('Invalid location code');
    const hostname = fields['hostname'];
    if (typeof hostname !== 'string' || !HOSTNAME.test(hostname)) throw invalid('Invalid hostname');
    if (typeof fields['description'] !== 'string') throw invalid('description is required');
    const image = SIM_IMAGES.find((i) => i.image_type === fields['image'] || i.id === fields['image']);
    if (!image) throw invalid('Invalid image');
    if (!type.supported_os.includes(image.image_type)) throw invalid('Operating system is not valid for this instance type');
    const isSpot = fields['is_spot'] === true || fields['contract'] === 'SPOT';
    if (isSpot && type.spotUsd === null) throw invalid('Spot instances are not available for this instance type');
    const sshKeyIds = this.sshKeyIds(fields['ssh_key_ids']);
    const osVolume = this.osVolume(fields['os_volume'], hostname);
    const newVolumes = this.volumes.newVolumesForDeploy(fields['volumes']);
    // "Existing detached volumes can be attached to the deployed instance by adding their IDs to the
    // `existing_volumes` property"; they must be in the instance's location.
    const existingVolumes = this.volumes.checkExistingForDeploy(fields['existing_volumes'], location, newVolumes.length);
    const scriptId = fields['startup_script_id'];
    if (scriptId !== undefined && scriptId !== null && (typeof scriptId !== 'string' || !this.world.scripts.has(scriptId))) {
      throw invalid('Invalid startup script id');
    }
    if (!this.capacity.fits(type, location, isSpot)) {
      throw new SimError(
        503,
        'service_unavailable',
        'Not enough resources at the moment, try again later or use a different resource',
      );
    }

    const random = this.world.random;
    const record: SimInstanceRecord = {
      id: this.world.newId(),
      status: 'ordered',
      rawOverride: null,
      instanceType: type.instance_type,
      location,
      isSpot,
      contract: isSpot ? 'SPOT' : 'PAY_AS_YOU_GO',
      hostname,
      description: fields['description'] as string,
      image: image.image_type,
      sshKeyIds,
      startupScriptId: typeof scriptId === 'string' ? scriptId : null,
      osVolumeId: null,
      osVolume,
      ip: null,
      jupyterToken: randomHex(random, 32),
      priceUsd: isSpot ? (type.spotUsd ?? type.priceUsd) : type.priceUsd,
      createdAt: new Date().toISOString(),
      holdsCapacity: false,
      shutdownRequested: false,
      ...(newVolumes.length > 0 ? { newVolumes } : {}),
    };
    this.world.instances.set(record.id, record);
    this.volumes.reserve(existingVolumes, record.id);
    this.world.changed();
    this.schedule(record);
    return record.id;
  }

  /** One action on one instance (`PUT /instances`). */
  act(action: string, id: string, options: { volumeIds?: string[]; deletePermanently?: boolean }): ActionOutcome {
    const record = this.get(id);
    let outcome: ActionOutcome;
    switch (action) {
      case 'start':
      case 'boot':
        outcome = this.start(record);
        break;
      case 'shutdown':
      case 'force_shutdown':
        outcome = this.shutdown(record);
        break;
      case 'delete':
      case 'discontinue':
        outcome = this.delete(record, options);
        break;
      case 'hibernate':
        outcome = this.hibernate(record);
        break;
      default:
        throw invalid(`Action ${action} is not supported for this instance`);
    }
    this.world.changed();
    return outcome;
  }

  /** Spot eviction: the instance is discontinued at once, its OS volume handled by `on_spot_discontinue`. */
  preempt(id: string): void {
    const record = this.world.instances.get(id);
    if (!record || record.status === 'discontinued') return;
    // The OS volume and the volumes created with the instance follow their `on_spot_discontinue`; volumes that
    // existed before are only detached.
    for (const volume of this.world.volumesOf(record.id)) {
      const policy = volume.isOsVolume ? record.osVolume.onSpotDiscontinue : (volume.onSpotDiscontinue ?? 'keep_detached');
      if (policy === 'keep_detached') {
        this.world.detach(volume);
        volume.status = 'detached';
      } else {
        this.world.markDeleted(volume, policy === 'delete_permanently');
      }
    }
    this.discontinue(record);
  }

  /** After a restart from a state file: pick every transition up where it stopped. */
  resume(): void {
    for (const record of this.world.instances.values()) this.schedule(record);
  }

  private start(record: SimInstanceRecord): ActionOutcome {
    if (record.status === 'running') {
      if (!record.shutdownRequested) return 'unchanged';
      // Started again before the shutdown completed: it simply stays up.
      record.shutdownRequested = false;
      return 'accepted';
    }
    if (record.status !== 'offline') throw invalid(`Can't start a ${record.status} instance`);
    // Verda has no separate "starting" state: a resumed instance provisions again.
    record.status = 'provisioning';
    this.schedule(record);
    return 'accepted';
  }

  private shutdown(record: SimInstanceRecord): ActionOutcome {
    if (record.status === 'offline' || record.shutdownRequested) return 'unchanged';
    if (record.status !== 'running') throw invalid(`Can't shutdown a ${record.status} instance`);
    record.shutdownRequested = true;
    this.schedule(record);
    return 'accepted';
  }

  private delete(record: SimInstanceRecord, options: { volumeIds?: string[]; deletePermanently?: boolean }): ActionOutcome {
    if (record.status === 'deleting') return 'unchanged';
    if (record.status === 'provisioning' || record.status === 'discontinued') {
      throw invalid(`Can't discontinue a ${record.status} instance`);
    }
    // Without `volume_ids` only the OS volume is deleted (to the trash); listed volumes are deleted; the
    // rest are detached.
    const toDelete = new Set(options.volumeIds ?? (record.osVolumeId ? [record.osVolumeId] : []));
    for (const volume of this.world.volumesOf(record.id)) {
      if (toDelete.has(volume.id)) {
        this.world.markDeleted(volume, options.volumeIds !== undefined && options.deletePermanently === true);
      } else {
        this.world.detach(volume);
        volume.status = 'detached';
      }
    }
    record.status = 'deleting';
    record.shutdownRequested = false;
    this.schedule(record);
    return 'accepted';
  }

  /**
   * As the API documents it: only a shut-down instance hibernates, and it is deleted with every volume
   * detached, none deleted. (Verda's CLI describes hibernation as resumable; the API text is followed here.)
   */
  private hibernate(record: SimInstanceRecord): ActionOutcome {
    if (record.status === 'deleting') return 'unchanged';
    if (record.status !== 'offline') throw invalid(`Can't hibernate a ${record.status} instance, shut it down first`);
    return this.delete(record, { volumeIds: [] });
  }

  /** Arm the timer for the next step of whatever state the instance is in. */
  private schedule(record: SimInstanceRecord): void {
    const step = (expected: string, ms: number, next: () => void) =>
      this.timers.after(ms, () => {
        const current = this.world.instances.get(record.id);
        if (current !== record || record.status !== expected) return;
        next();
        this.world.changed();
      });
    switch (record.status) {
      case 'ordered':
        step('ordered', this.transitionMs, () => this.place(record));
        break;
      case 'provisioning':
        step('provisioning', this.transitionMs, () => {
          record.status = 'running';
          record.ip ??= randomTestIp(this.world.random);
        });
        break;
      case 'running':
        if (record.shutdownRequested) {
          step('running', this.transitionMs, () => {
            if (!record.shutdownRequested) return;
            record.shutdownRequested = false;
            record.status = 'offline';
          });
        }
        break;
      case 'deleting':
        step('deleting', this.transitionMs, () => this.discontinue(record));
        break;
      case 'discontinued':
        step('discontinued', this.lingerMs, () => {
          this.world.instances.delete(record.id);
        });
        break;
    }
  }

  /** Find a host: take the GPUs and create the OS volume, or give up with `no_capacity`. */
  private place(record: SimInstanceRecord): void {
    const type = findType(record.instanceType);
    if (!type || !this.capacity.fits(type, record.location, record.isSpot)) {
      record.status = 'no_capacity';
      this.volumes.unplaced(record.id);
      return;
    }
    record.holdsCapacity = true;
    this.capacity.take(record);
    record.osVolumeId = this.world.newId();
    this.world.addVolume({
      id: record.osVolumeId,
      name: record.osVolume.name,
      size: record.osVolume.size,
      location: record.location,
      instanceId: record.id,
      isOsVolume: true,
      status: 'attached',
      permanentlyDeleted: false,
      type: 'NVMe',
      target: 'vda',
      createdAt: new Date().toISOString(),
      deletedAt: null,
    });
    this.volumes.placed(record.id, record.location, record.newVolumes ?? []);
    delete record.newVolumes;
    record.status = 'provisioning';
    this.schedule(record);
  }

  private discontinue(record: SimInstanceRecord): void {
    record.status = 'discontinued';
    if (record.holdsCapacity) this.capacity.give(record);
    record.holdsCapacity = false;
    record.shutdownRequested = false;
    this.world.changed();
    this.schedule(record);
  }

  private sshKeyIds(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    const ids = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || !this.world.sshKeys.has(id))) {
      throw invalid('Invalid ssh key id');
    }
    return ids as string[];
  }

  private osVolume(value: unknown, hostname: string): SimInstanceRecord['osVolume'] {
    if (value === undefined || value === null) return { name: `${hostname}-os`, size: 50, onSpotDiscontinue: 'keep_detached' };
    const fields = (typeof value === 'object' ? value : {}) as Record<string, unknown>;
    const { name, size } = fields;
    const policy = fields['on_spot_discontinue'] ?? 'keep_detached';
    if (typeof name !== 'string' || !name || typeof size !== 'number' || size < 1 || !Number.isInteger(size)) {
      throw invalid('os_volume needs a name and a size in GB');
    }
    if (!SPOT_POLICIES.includes(policy as OnSpotDiscontinue)) throw invalid('Invalid on_spot_discontinue');
    return { name, size, onSpotDiscontinue: policy as OnSpotDiscontinue };
  }
}
