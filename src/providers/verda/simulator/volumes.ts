import type { SimTimers } from '../../kit/sim/timers.ts';
import { SIM_BLOCK_VOLUME_TYPES, SIM_LOCATIONS, SIM_VOLUME_TYPES, volumePricePerGBMonthUsd } from './catalog.ts';
import { fieldsOf } from './context.ts';
import { invalid, notFound, SimError } from './sim-error.ts';
import { CREATED_BY, type NewVolumeSpec, type OnSpotDiscontinue, type SimVolume, type VerdaWorld } from './world.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every volume status of the OpenAPI enum (the `status` filter of `GET /volumes` accepts exactly these). */
export const VERDA_VOLUME_STATUSES = [
  'ordered',
  'attached',
  'attaching',
  'detached',
  'deleted',
  'cloning',
  'detaching',
  'deleting',
  'restoring',
  'created',
  'exported',
  'canceled',
  'canceling',
] as const;

/** Every volume type of the OpenAPI enum. */
const VERDA_VOLUME_TYPES = [
  'HDD',
  'NVMe',
  'HDD_Shared',
  'NVMe_Shared',
  'NVMe_Local_Storage',
  'NVMe_Shared_Cluster',
  'NVMe_OS_Cluster',
] as const;

const SPOT_POLICIES: readonly OnSpotDiscontinue[] = ['keep_detached', 'move_to_trash', 'delete_permanently'];

/**
 * Limits of the simulated project. Verda documents none of them: sizes are positive whole GB (the Go SDK checks
 * `size >= 1`), and the largest volume, the data volumes per instance and the project's storage quota are the
 * simulator's own choices, so that a caller's limits can be exercised. Trash counts against the quota, as Verda
 * documents for `move_to_trash`.
 */
export const SIM_VOLUME_LIMITS = { minSizeGB: 1, maxSizeGB: 10_000, perInstance: 8, quotaGB: 200_000 } as const;

/** The documented 403 of `POST /volumes`, also the refusal of every attach, detach and delete it applies to. */
export const NOT_SHUT_DOWN = 'One or more of the specified instances is not shut down';

/** Verda's figure for hours per month (the CLI and web console divide monthly prices by 730). */
const HOURS_PER_MONTH = 730;

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** What `PUT /volumes` did: nothing to say (202 without a body), or the ids of new clones. */
export type VolumeActionOutcome = { kind: 'done' } | { kind: 'cloned'; ids: string[] };

/**
 * Block volumes as Verda runs them, on the simulator's transition timers:
 * create → `ordered` → `detached` (or `attached` when created for a shut-down instance);
 * attach → `attaching` → `attached`; detach → `detaching` → `detached`; delete → `deleting` → `deleted`, in the
 * trash (96 h, restorable) or for good; clone → a new volume `cloning` → `detached`; restore → `restoring` →
 * `detached`. Rename and resize take effect at once (Verda's status enum has no resizing state).
 * Attach, detach and delete of an attached volume need its instance shut down (`offline`): Verda's SDKs say so
 * for attach and detach, and `POST /volumes` documents the 403 "One or more of the specified instances is not
 * shut down" that this simulator answers for all three.
 */
export class VolumeLifecycle {
  constructor(
    private readonly world: VerdaWorld,
    private readonly timers: SimTimers,
    private readonly transitionMs: number,
    private readonly quotaGB: number,
  ) {}

  /** One volume, deleted ones included until the trash forgets them. */
  get(id: string): SimVolume {
    this.world.purgeVolumes();
    const volume = this.world.volumes.get(id);
    if (!volume) throw UUID.test(id) ? notFound('Invalid volume id') : invalid('Invalid volume id');
    return volume;
  }

  /** `GET /volumes`: every volume that is not deleted, or those in one status (`deleted` included). */
  list(status: string | undefined): ReturnType<VolumeLifecycle['view']>[] {
    if (status !== undefined && !(VERDA_VOLUME_STATUSES as readonly string[]).includes(status)) {
      throw invalid(`status must be one of: ${VERDA_VOLUME_STATUSES.join(', ')}`);
    }
    this.world.purgeVolumes();
    return [...this.world.volumes.values()]
      .filter((v) => (status === undefined ? v.status !== 'deleted' : v.status === status))
      .map((v) => this.view(v));
  }

  /** `GET /volumes/trash`: deleted volumes of the last 96 h, those deleted for good flagged as such. */
  trash(): ReturnType<VolumeLifecycle['view']>[] {
    this.world.purgeVolumes();
    return [...this.world.volumes.values()].filter((v) => v.status === 'deleted').map((v) => this.view(v));
  }

  /** `POST /volumes` (`CreateVolumePublicDto`). */
  create(body: unknown, userAgent: string | undefined): string {
    requireUserAgent(userAgent);
    const fields = fieldsOf(body);
    const type = this.blockType(fields['type']);
    const location = fields['location_code'];
    // Required since 2026-03-19 (changelog): no longer defaults to FIN-01.
    if (typeof location !== 'string' || location === '') throw invalid('location_code is required');
    if (!SIM_LOCATIONS.some((l) => l.code === location)) throw invalid('Invalid location code');
    const size = this.size(fields['size']);
    const name = this.name(fields['name']);
    const instanceIds = this.instanceIdsOf(fields);
    if (instanceIds.length > 1) throw invalid('A block volume can be attached to one instance only');
    const instanceId = instanceIds[0];
    if (instanceId !== undefined) this.checkAttachable(instanceId, location, 0);
    this.checkQuota(size);

    const volume: SimVolume = {
      id: this.world.newId(),
      name,
      size,
      type,
      location,
      instanceId: null,
      isOsVolume: false,
      status: 'ordered',
      permanentlyDeleted: false,
      target: null,
      createdAt: new Date().toISOString(),
      deletedAt: null,
    };
    this.world.addVolume(volume);
    if (instanceId !== undefined) this.world.attach(volume, instanceId);
    this.world.changed();
    this.schedule(volume);
    return volume.id;
  }

  /** `PUT /volumes` (`PerformVolumeActionPublicDto`): every named volume is checked before any is touched. */
  perform(body: unknown, userAgent: string | undefined): VolumeActionOutcome {
    requireUserAgent(userAgent);
    const fields = fieldsOf(body);
    const action = fields['action'];
    if (typeof action !== 'string') throw invalid('action is required');
    const ids = typeof fields['id'] === 'string' ? [fields['id']] : fields['id'];
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
      throw invalid('id must be a volume id or a list of volume ids');
    }
    const volumes = (ids as string[]).map((id) => this.get(id));
    let outcome: VolumeActionOutcome = { kind: 'done' };
    switch (action) {
      case 'attach':
        this.attach(volumes, fields);
        break;
      case 'detach':
        this.detach(volumes, fields);
        break;
      case 'rename': {
        const name = this.name(fields['name']);
        for (const volume of volumes) volume.name = name;
        break;
      }
      case 'resize':
        this.resize(volumes, fields['size']);
        break;
      case 'delete':
        this.delete(volumes, fields['is_permanent'] === true);
        break;
      case 'restore':
        this.restore(volumes);
        break;
      case 'clone':
        outcome = { kind: 'cloned', ids: this.clone(volumes, fields) };
        break;
      case 'cancel':
      case 'create':
      case 'export':
      case 'transfer':
        // Cross-datacenter clones, exports and transfers are not simulated: refused as for a volume they do not apply to.
        throw invalid(`Action ${action} is not available for this volume`);
      default:
        throw invalid(`Action ${action} is not supported for volumes`);
    }
    this.world.changed();
    return outcome;
  }

  /**
   * `DELETE /volumes/{id}` with `{is_permanent}`: 202 when the deletion started, 204 when the volume is already
   * deleted (changelog 2026-03-12). A volume in the trash deleted again with `is_permanent: true` is purged from
   * the trash at once, answering 202 (Verda does not document that case).
   */
  deleteById(id: string, body: unknown, userAgent: string | undefined): 'accepted' | 'unchanged' {
    requireUserAgent(userAgent);
    const volume = this.get(id);
    const permanently = fieldsOf(body)['is_permanent'] === true;
    if (volume.status === 'deleted') {
      if (volume.permanentlyDeleted || !permanently) return 'unchanged';
      volume.permanentlyDeleted = true;
      this.world.changed();
      return 'accepted';
    }
    this.delete([volume], permanently);
    this.world.changed();
    return 'accepted';
  }

  /**
   * The `existing_volumes` of a deploy: detached volumes of the instance's location, no more than an instance
   * takes. Checked before the instance exists; `reserve` ties them to it.
   */
  checkExistingForDeploy(value: unknown, location: string, newVolumes: number): SimVolume[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((id) => typeof id !== 'string')) {
      throw invalid('existing_volumes must be a list of volume ids');
    }
    const ids = [...new Set(value as string[])];
    const volumes = ids.map((id) => {
      const volume = this.world.volumes.get(id);
      if (!volume || volume.status === 'deleted') throw invalid(`Volume ${id} in existing_volumes does not exist`);
      if (volume.location !== location) throw invalid(`Volume ${id} is in ${volume.location}, not in ${location}`);
      if (volume.status !== 'detached' || volume.instanceId !== null) throw invalid(`Volume ${id} is not detached`);
      return volume;
    });
    if (volumes.length + newVolumes > SIM_VOLUME_LIMITS.perInstance) {
      throw invalid(`An instance can have at most ${SIM_VOLUME_LIMITS.perInstance} data volumes`);
    }
    return volumes;
  }

  /** The `volumes` of a deploy (`VolumeDto[]`): new data volumes created with the instance. */
  newVolumesForDeploy(value: unknown): NewVolumeSpec[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid('volumes must be a list');
    const specs = value.map((item): NewVolumeSpec => {
      const fields = fieldsOf(item);
      const policy = fields['on_spot_discontinue'] ?? 'keep_detached';
      if (!SPOT_POLICIES.includes(policy as OnSpotDiscontinue)) throw invalid('Invalid on_spot_discontinue');
      return {
        name: this.name(fields['name']),
        size: this.size(fields['size']),
        type: this.blockType(fields['type']),
        onSpotDiscontinue: policy as OnSpotDiscontinue,
      };
    });
    this.checkQuota(specs.reduce((sum, spec) => sum + spec.size, 0));
    return specs;
  }

  /** A deploy's existing volumes wait, `attaching`, for the instance to be placed. */
  reserve(volumes: SimVolume[], instanceId: string): void {
    for (const volume of volumes) {
      this.world.attach(volume, instanceId);
      volume.status = 'attaching';
    }
  }

  /** The instance was placed: its reserved volumes are attached and its new ones created. */
  placed(instanceId: string, location: string, specs: NewVolumeSpec[]): void {
    for (const volume of this.world.volumesOf(instanceId)) {
      if (volume.isOsVolume || volume.status !== 'attaching') continue;
      volume.status = 'attached';
      volume.target = this.world.nextTarget(instanceId);
    }
    for (const spec of specs) {
      const volume: SimVolume = {
        id: this.world.newId(),
        name: spec.name,
        size: spec.size,
        type: spec.type,
        location,
        instanceId: null,
        isOsVolume: false,
        status: 'attached',
        permanentlyDeleted: false,
        target: null,
        createdAt: new Date().toISOString(),
        deletedAt: null,
        onSpotDiscontinue: spec.onSpotDiscontinue,
      };
      this.world.addVolume(volume);
      this.world.attach(volume, instanceId);
      volume.target = this.world.nextTarget(instanceId);
    }
  }

  /** The instance could not be placed: the volumes it reserved are free again. */
  unplaced(instanceId: string): void {
    for (const volume of this.world.volumesOf(instanceId)) {
      this.world.detach(volume);
      volume.status = 'detached';
    }
  }

  /** After a restart from a state file: pick every volume transition up where it stopped. */
  resume(): void {
    for (const volume of this.world.volumes.values()) this.schedule(volume);
  }

  /** What the API reports for one volume: `GetVolumePublicResponseDto`, or the deleted shape once deleted. */
  view(volume: SimVolume) {
    const instance = volume.instanceId ? this.world.instances.get(volume.instanceId) : undefined;
    const monthly = round(volumePricePerGBMonthUsd(volume.type) * volume.size, 4);
    const common = {
      id: volume.id,
      instance_id: volume.instanceId,
      // The spec types this as a list of strings, but its example, the Go SDK and the real API carry objects.
      instances: instance
        ? [
            {
              id: instance.id,
              auto_rental_extension: null,
              ip: instance.ip,
              instance_type: instance.instanceType,
              status: instance.rawOverride ?? instance.status,
              os_volume_id: instance.osVolumeId,
              hostname: instance.hostname,
            },
          ]
        : [],
      name: volume.name,
      created_at: volume.createdAt,
      created_by_user_id: CREATED_BY,
      status: volume.status,
      size: volume.size,
      is_os_volume: volume.isOsVolume,
      target: volume.target,
      type: volume.type,
      location: volume.location,
      ssh_key_ids: volume.isOsVolume && instance ? instance.sshKeyIds : [],
      contract: 'PAY_AS_YOU_GO',
      base_hourly_cost: monthly / HOURS_PER_MONTH,
      monthly_price: monthly,
      currency: 'usd',
    };
    if (volume.status === 'deleted') {
      // Only a deleted volume carries these two (changelog 2026-03-16).
      return { ...common, deleted_at: volume.deletedAt, is_permanently_deleted: volume.permanentlyDeleted };
    }
    return {
      ...common,
      pseudo_path: `volume-${volume.id.slice(0, 8)}`,
      create_directory_command: 'mkdir -p /mnt/volume',
      // The NFS commands of the spec's example belong to shared filesystems; a block volume has none (the Go SDK
      // reads these fields as nullable).
      mount_command: null,
      filesystem_to_fstab_command: null,
      long_term: null,
    };
  }

  private attach(volumes: SimVolume[], fields: Record<string, unknown>): void {
    const instanceIds = this.instanceIdsOf(fields);
    if (instanceIds.length !== 1) throw invalid('instance_id is required to attach a block volume');
    const instanceId = instanceIds[0] as string;
    const toAttach = volumes.filter(
      (v) => !(v.instanceId === instanceId && (v.status === 'attached' || v.status === 'attaching')),
    );
    for (const volume of toAttach) {
      if (volume.status !== 'detached' || volume.instanceId !== null) {
        throw new SimError(403, 'forbidden_action', `Volume ${volume.id} is ${volume.status}, it must be detached first`);
      }
    }
    for (const location of new Set(toAttach.map((v) => v.location))) {
      this.checkAttachable(instanceId, location, toAttach.length - 1);
    }
    for (const volume of toAttach) {
      this.world.attach(volume, instanceId);
      volume.status = 'attaching';
      this.schedule(volume);
    }
  }

  private detach(volumes: SimVolume[], fields: Record<string, unknown>): void {
    const only = this.instanceIdsOf(fields);
    const toDetach = volumes.filter((v) => v.status !== 'detached' && v.status !== 'detaching');
    for (const volume of toDetach) {
      if (volume.status !== 'attached' || volume.instanceId === null) {
        throw new SimError(403, 'forbidden_action', `Volume ${volume.id} is ${volume.status} and cannot be detached`);
      }
      if (only.length > 0 && !only.includes(volume.instanceId)) {
        throw invalid(`Volume ${volume.id} is not attached to instance ${only.join(', ')}`);
      }
      this.requireShutDown(volume.instanceId);
    }
    for (const volume of toDetach) {
      volume.status = 'detaching';
      this.schedule(volume);
    }
  }

  private resize(volumes: SimVolume[], value: unknown): void {
    const size = this.size(value);
    for (const volume of volumes) {
      if (volume.status === 'deleted' || volume.status === 'deleting') throw invalid(`Volume ${volume.id} is ${volume.status}`);
      // The spec: "New volume size in GB. Can't be lower than current size".
      if (size < volume.size) throw invalid(`New size can't be lower than current size (${volume.size} GB)`);
    }
    this.checkQuota(volumes.reduce((sum, v) => sum + (size - v.size), 0));
    for (const volume of volumes) volume.size = size;
  }

  /** Delete: an attached volume only while its instance is shut down; it is detached on the way. */
  private delete(volumes: SimVolume[], permanently: boolean): void {
    // Asked again for good while on its way to the trash: it ends deleted for good.
    for (const volume of volumes) if (volume.status === 'deleting' && permanently) volume.deletingPermanently = true;
    const toDelete = volumes.filter((v) => v.status !== 'deleted' && v.status !== 'deleting');
    for (const volume of toDelete) if (volume.instanceId !== null) this.requireShutDown(volume.instanceId);
    for (const volume of toDelete) {
      this.world.detach(volume);
      volume.status = 'deleting';
      volume.deletingPermanently = permanently;
      this.schedule(volume);
    }
  }

  private restore(volumes: SimVolume[]): void {
    for (const volume of volumes) {
      if (volume.status !== 'deleted' || volume.permanentlyDeleted) {
        throw invalid(`Volume ${volume.id} is not in the trash`);
      }
    }
    for (const volume of volumes) {
      volume.status = 'restoring';
      volume.deletedAt = null;
      this.schedule(volume);
    }
  }

  /**
   * Clone into new detached volumes. The spec says the answer is `{"id": …}`; Verda's SDKs read a list of ids.
   * The spec's shape is sent for one volume, a list of those for several.
   */
  private clone(volumes: SimVolume[], fields: Record<string, unknown>): string[] {
    const location = fields['location_code'] ?? undefined;
    if (location !== undefined && (typeof location !== 'string' || !SIM_LOCATIONS.some((l) => l.code === location))) {
      throw invalid('Invalid location code');
    }
    const type = fields['type'] === undefined ? undefined : this.blockType(fields['type']);
    const name = fields['name'] === undefined ? undefined : this.name(fields['name']);
    for (const volume of volumes) if (volume.status === 'deleted') throw invalid(`Volume ${volume.id} is deleted`);
    this.checkQuota(volumes.reduce((sum, v) => sum + v.size, 0));
    return volumes.map((source) => {
      const copy: SimVolume = {
        id: this.world.newId(),
        name: name ?? `${source.name}-clone`,
        size: source.size,
        type: type ?? source.type,
        location: location ?? source.location,
        instanceId: null,
        isOsVolume: source.isOsVolume,
        status: 'cloning',
        permanentlyDeleted: false,
        target: null,
        createdAt: new Date().toISOString(),
        deletedAt: null,
      };
      this.world.addVolume(copy);
      this.schedule(copy);
      return copy.id;
    });
  }

  /** An instance a volume may be attached to now: exists, same location, shut down, with room for more. */
  private checkAttachable(instanceId: string, location: string, alsoAttaching: number): void {
    const instance = this.world.instances.get(instanceId);
    if (!instance || instance.status === 'discontinued') {
      throw UUID.test(instanceId) ? notFound('Invalid instance id') : invalid('Invalid instance id');
    }
    if (instance.location !== location) {
      throw invalid(`Volume and instance must be in the same location (volume ${location}, instance ${instance.location})`);
    }
    this.requireShutDown(instanceId);
    const dataVolumes = this.world.volumesOf(instanceId).filter((v) => !v.isOsVolume).length;
    if (dataVolumes + alsoAttaching + 1 > SIM_VOLUME_LIMITS.perInstance) {
      throw invalid(`An instance can have at most ${SIM_VOLUME_LIMITS.perInstance} data volumes`);
    }
  }

  private requireShutDown(instanceId: string): void {
    const instance = this.world.instances.get(instanceId);
    if (instance && instance.status !== 'offline') throw new SimError(403, 'forbidden_action', NOT_SHUT_DOWN);
  }

  /** Everything the project stores counts against its quota, the trash included. */
  private checkQuota(moreGB: number): void {
    if (moreGB <= 0) return;
    let used = 0;
    for (const volume of this.world.volumes.values()) {
      if (!(volume.status === 'deleted' && volume.permanentlyDeleted)) used += volume.size;
    }
    if (used + moreGB > this.quotaGB) {
      throw new SimError(403, 'forbidden_action', `Storage quota exceeded: ${used} of ${this.quotaGB} GB in use`);
    }
  }

  private blockType(value: unknown): string {
    if (typeof value !== 'string' || !(VERDA_VOLUME_TYPES as readonly string[]).includes(value)) {
      throw invalid(`type must be one of: ${VERDA_VOLUME_TYPES.join(', ')}`);
    }
    if (!SIM_BLOCK_VOLUME_TYPES.includes(value)) {
      const listed = SIM_VOLUME_TYPES.some((t) => t.type === value);
      throw invalid(
        listed ? `Volume type ${value} is a shared filesystem, not a block volume` : `Volume type ${value} is not available`,
      );
    }
    return value;
  }

  private size(value: unknown): number {
    const { minSizeGB, maxSizeGB } = SIM_VOLUME_LIMITS;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minSizeGB || value > maxSizeGB) {
      throw invalid(`size must be a whole number of GB from ${minSizeGB} to ${maxSizeGB}`);
    }
    return value;
  }

  private name(value: unknown): string {
    if (typeof value !== 'string' || value.trim() === '') throw invalid('name is required');
    return value.trim();
  }

  /** `instance_id` and/or `instance_ids`, as the create and attach bodies both allow. */
  private instanceIdsOf(fields: Record<string, unknown>): string[] {
    const ids: string[] = [];
    const one = fields['instance_id'];
    if (one !== undefined && one !== null) {
      if (typeof one !== 'string') throw invalid('instance_id must be an instance id');
      ids.push(one);
    }
    const many = fields['instance_ids'];
    if (many !== undefined && many !== null) {
      if (!Array.isArray(many) || many.some((id) => typeof id !== 'string')) throw invalid('instance_ids must be a list');
      ids.push(...(many as string[]));
    }
    return [...new Set(ids)];
  }

  /** Arm the timer for the next step of whatever state the volume is in. */
  private schedule(volume: SimVolume): void {
    const step = (next: () => void) => {
      const expected = volume.status;
      this.timers.after(this.transitionMs, () => {
        if (this.world.volumes.get(volume.id) !== volume || volume.status !== expected) return;
        next();
        this.world.changed();
      });
    };
    switch (volume.status) {
      case 'ordered':
        step(() => {
          const instance = volume.instanceId ? this.world.instances.get(volume.instanceId) : undefined;
          if (instance && instance.status !== 'discontinued' && volume.instanceId) {
            volume.status = 'attached';
            volume.target = this.world.nextTarget(volume.instanceId);
          } else {
            this.world.detach(volume);
            volume.status = 'detached';
          }
        });
        break;
      case 'attaching':
        step(() => {
          const instance = volume.instanceId ? this.world.instances.get(volume.instanceId) : undefined;
          // Reserved by a deploy: attached when the instance is placed, not on this timer.
          if (instance?.status === 'ordered') return;
          if (!instance || instance.status === 'discontinued' || !volume.instanceId) {
            this.world.detach(volume);
            volume.status = 'detached';
            return;
          }
          volume.status = 'attached';
          volume.target = this.world.nextTarget(volume.instanceId);
        });
        break;
      case 'detaching':
        step(() => {
          this.world.detach(volume);
          volume.status = 'detached';
        });
        break;
      case 'deleting':
        step(() => this.world.markDeleted(volume, volume.deletingPermanently === true));
        break;
      case 'cloning':
      case 'restoring':
        step(() => {
          volume.status = 'detached';
        });
        break;
    }
  }
}

/** The OpenAPI marks `user-agent` required on `POST /volumes`, `PUT /volumes` and `DELETE /volumes/{id}`. */
function requireUserAgent(userAgent: string | undefined): void {
  if (!userAgent?.trim()) throw invalid('user-agent header is required');
}

/** `GET /volume-types`: public, prices per GB-month in USD (the endpoint takes no currency). */
export function volumeTypesView() {
  return SIM_VOLUME_TYPES.map((t) => ({
    type: t.type,
    price: {
      price_per_month_per_gb: t.pricePerGBMonthUsd,
      cps_per_gb: t.pricePerGBMonthUsd / (HOURS_PER_MONTH * 3600),
      currency: 'usd',
    },
    is_shared_fs: t.isSharedFs,
    burst_bandwidth: t.burstBandwidth,
    continuous_bandwidth: t.continuousBandwidth,
    internal_network_speed: t.internalNetworkSpeed,
    iops: t.iops,
    throughput_gbps: t.throughputGbps,
  }));
}
