import { randomInt, randomUuid } from '../../kit/sim/random.ts';
import { StateFile } from '../../kit/sim/state-file.ts';
import { SimTimers } from '../../kit/sim/timers.ts';
import { SIM_INSTANCE_TYPES, SIM_PROJECTS, SIM_REGIONS, type SimInstanceType, type SimProject } from './catalog.ts';

export type AtlasState = 'creating' | 'starting' | 'running' | 'stopping' | 'stopped' | 'deleting' | 'out-of-stock' | 'error';

export interface SimInstance {
  id: string;
  name: string;
  type: string;
  region: string;
  projectId: string;
  state: AtlasState;
  ip: string | null;
  /** Without the `image://` prefix, as responses show it. */
  image: string;
  preemptible: boolean;
  ephemeral: boolean;
  userData: string | null;
  filesystems: string[];
  tags: Record<string, string>;
  /** A slot of the region's capacity for the type is held (also while stopped: the reservation is kept). */
  holdsCapacity: boolean;
  /** When the current transitional state ends (epoch ms), so a restart can resume it. */
  transitionAt: number | null;
}

export interface SimFilesystem {
  id: string;
  name: string;
  size: string;
  region: string;
  projectId: string;
}

export interface Snapshot {
  version: 1;
  boots: number;
  instances: SimInstance[];
  filesystems: SimFilesystem[];
  capacityOff: string[];
}

/** The state saved by an earlier run, if there is a file in the current format. */
export function loadSnapshot(path: string | undefined): Snapshot | null {
  const saved = new StateFile<Snapshot>(path, () => {
    throw new Error('a snapshot being loaded is not written');
  }).load();
  return saved?.version === 1 ? saved : null;
}

/** How long each asynchronous state lasts, in transition units. */
const DURATION: Partial<Record<AtlasState, number>> = { creating: 4, starting: 2, stopping: 1, deleting: 1 };

export type ActionOutcome = { ok: true } | { ok: false; status: 404 | 409; message: string };

const key = (region: string, type: string) => `${region}/${type}`;

/**
 * Everything a simulated Atlas organisation holds: instances, filesystems and per-region capacity, with
 * the asynchronous state machine (`creating` → `running` or `out-of-stock`, `stopping` → `stopped`,
 * `starting` → `running`, `deleting` → gone) driven by timers, persisted when a state file is given.
 */
export class AtlasWorld {
  private readonly instances = new Map<string, SimInstance>();
  /** Instances per `region/project`, so one project's list costs what that project holds, not the whole org. */
  private readonly byScope = new Map<string, Map<string, SimInstance>>();
  /** Slots held per `region/type`, kept as instances take and give back capacity (no scan per create). */
  private readonly held = new Map<string, number>();
  private readonly usedIps = new Set<string>();
  private readonly filesystems = new Map<string, SimFilesystem>();
  private readonly capacityOff = new Set<string>();
  private readonly rawOverrides = new Map<string, string>();
  /** Bumped on every state change, so a timer set for an older state does nothing. */
  private readonly epochs = new Map<string, number>();
  private readonly timers = new SimTimers();
  private readonly stateFile: StateFile<Snapshot>;
  readonly boots: number;

  constructor(
    private readonly transitionMs: number,
    private readonly random: () => number,
    stateFilePath: string | undefined,
    restored: Snapshot | null,
    /** Multiplies every region's capacity (benchmarks seeding many VMs). */
    private readonly capacityScale = 1,
  ) {
    this.stateFile = new StateFile(stateFilePath, () => this.snapshot());
    this.boots = (restored?.boots ?? 0) + 1;
    if (restored) this.restore(restored);
    this.stateFile.changed();
  }

  // ---------- catalog ----------

  hasRegion(region: string): boolean {
    return SIM_REGIONS.some((r) => r.name === region);
  }

  projectsIn(region: string): SimProject[] {
    return SIM_PROJECTS.filter((p) => p.regions.includes(region));
  }

  hasProject(region: string, projectId: string): boolean {
    return this.projectsIn(region).some((p) => p.id === projectId);
  }

  typesIn(region: string): SimInstanceType[] {
    const capacity = SIM_REGIONS.find((r) => r.name === region)?.capacity ?? {};
    return SIM_INSTANCE_TYPES.filter((t) => t.name in capacity);
  }

  /** Instances of the type that can be created in the region right now. */
  capacityOf(region: string, type: string): number {
    if (this.capacityOff.has(key(region, type))) return 0;
    const total = (SIM_REGIONS.find((r) => r.name === region)?.capacity[type] ?? 0) * this.capacityScale;
    return Math.max(0, total - (this.held.get(key(region, type)) ?? 0));
  }

  // ---------- instances ----------

  listInstances(region: string, projectId: string): SimInstance[] {
    return [...(this.byScope.get(key(region, projectId))?.values() ?? [])];
  }

  getInstance(region: string, projectId: string, id: string): SimInstance | undefined {
    const instance = this.instances.get(id);
    return instance && instance.region === region && instance.projectId === projectId ? instance : undefined;
  }

  /** The state the API reports: the real one, unless a test has overlaid another. */
  reportedState(instance: SimInstance): string {
    return this.rawOverrides.get(instance.id) ?? instance.state;
  }

  create(init: Omit<SimInstance, 'id' | 'state' | 'ip' | 'holdsCapacity' | 'transitionAt'>): SimInstance {
    const instance: SimInstance = {
      ...init,
      id: this.freshId(),
      state: 'creating',
      ip: null,
      holdsCapacity: false,
      transitionAt: null,
    };
    this.add(instance);
    // No capacity now: accepted all the same, and it turns `out-of-stock` (Atlas's asynchronous signal).
    if (this.capacityOf(init.region, init.type) > 0) this.setHolds(instance, true);
    this.enter(instance, 'creating');
    return instance;
  }

  start(instance: SimInstance): ActionOutcome {
    if (instance.state !== 'stopped') return this.conflict(instance, 'start');
    this.enter(instance, 'starting');
    return { ok: true };
  }

  stop(instance: SimInstance): ActionOutcome {
    if (instance.state !== 'running') return this.conflict(instance, 'stop');
    this.enter(instance, 'stopping');
    return { ok: true };
  }

  /** Deleting twice is accepted; the instance is gone (404) once `deleting` ends. */
  delete(instance: SimInstance): void {
    if (instance.state !== 'deleting') this.enter(instance, 'deleting');
  }

  // ---------- filesystems ----------

  /** A filesystem lives in one region and project, like the instances that may mount it. */
  listFilesystems(region: string, projectId: string): SimFilesystem[] {
    return [...this.filesystems.values()].filter((f) => f.region === region && f.projectId === projectId);
  }

  getFilesystem(region: string, projectId: string, id: string): SimFilesystem | undefined {
    const fs = this.filesystems.get(id);
    return fs && fs.region === region && fs.projectId === projectId ? fs : undefined;
  }

  createFilesystem(init: Omit<SimFilesystem, 'id'>): SimFilesystem {
    const fs = { ...init, id: this.freshId() };
    this.filesystems.set(fs.id, fs);
    this.stateFile.changed();
    return fs;
  }

  /**
   * The instances that mount the filesystem, in any state until they are gone (a `deleting` one still does). Only
   * instances of its own region and project can name it, so only those are looked at.
   */
  filesystemUsers(fs: SimFilesystem): SimInstance[] {
    return this.listInstances(fs.region, fs.projectId).filter((i) => i.filesystems.includes(fs.id));
  }

  /** Gone at once: the next GET answers 404. Deleting an instance never comes here: its filesystems stay. */
  deleteFilesystem(fsId: string): void {
    this.filesystems.delete(fsId);
    this.stateFile.changed();
  }

  liveFilesystemIds(): string[] {
    return [...this.filesystems.keys()];
  }

  // ---------- control ----------

  setCapacity(available: boolean, filter: { providerSkuId?: string; locationCode?: string } = {}): void {
    for (const region of SIM_REGIONS) {
      if (filter.locationCode !== undefined && filter.locationCode !== region.name) continue;
      for (const type of Object.keys(region.capacity)) {
        if (filter.providerSkuId !== undefined && filter.providerSkuId !== type) continue;
        if (available) this.capacityOff.delete(key(region.name, type));
        else this.capacityOff.add(key(region.name, type));
      }
    }
    this.stateFile.changed();
  }

  /** An on-demand customer takes the machine back: `stopping` → `stopped`, and the slot is lost. */
  preempt(id: string): void {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`no simulated Fluidstack instance ${id}`);
    if (!instance.preemptible) throw new Error(`Fluidstack instance ${id} is not preemptible`);
    if (instance.state !== 'running' && instance.state !== 'starting') return;
    this.setHolds(instance, false);
    this.enter(instance, 'stopping');
  }

  setRawStatus(id: string, raw: string | null): void {
    if (raw === null) this.rawOverrides.delete(id);
    else this.rawOverrides.set(id, raw);
  }

  reset(): void {
    this.capacityOff.clear();
    this.rawOverrides.clear();
    this.stateFile.changed();
  }

  /** The user data an instance was created with; undefined for an unknown instance. */
  userDataOf(id: string): string | null | undefined {
    return this.instances.get(id)?.userData;
  }

  liveInstanceIds(): string[] {
    return [...this.instances.keys()];
  }

  close(): void {
    this.timers.clear();
    this.stateFile.flush();
  }

  // ---------- state machine ----------

  private enter(instance: SimInstance, state: AtlasState): void {
    instance.state = state;
    const epoch = (this.epochs.get(instance.id) ?? 0) + 1;
    this.epochs.set(instance.id, epoch);
    const units = DURATION[state];
    instance.transitionAt = units === undefined ? null : Date.now() + units * this.transitionMs;
    if (units !== undefined) this.schedule(instance, units * this.transitionMs);
    this.stateFile.changed();
  }

  private schedule(instance: SimInstance, ms: number): void {
    const epoch = this.epochs.get(instance.id) ?? 0;
    this.timers.after(ms, () => {
      if (this.epochs.get(instance.id) === epoch && this.instances.get(instance.id) === instance) this.advance(instance);
    });
  }

  private advance(instance: SimInstance): void {
    if (instance.state === 'creating' || instance.state === 'starting') {
      // A preempted instance lost its slot and must find a free one to start again.
      if (!instance.holdsCapacity && this.capacityOf(instance.region, instance.type) > 0) this.setHolds(instance, true);
      if (instance.holdsCapacity) {
        if (instance.ip === null) {
          instance.ip = this.freshIp();
          this.usedIps.add(instance.ip);
        }
        this.enter(instance, 'running');
      } else {
        this.enter(instance, 'out-of-stock');
      }
    } else if (instance.state === 'stopping') {
      this.enter(instance, 'stopped');
    } else if (instance.state === 'deleting') {
      this.remove(instance);
      this.epochs.delete(instance.id);
      this.rawOverrides.delete(instance.id);
      this.stateFile.changed();
    }
  }

  private conflict(instance: SimInstance, action: string): ActionOutcome {
    return { ok: false, status: 409, message: `Instance state conflict: cannot ${action} an instance that is ${instance.state}` };
  }

  private freshId(): string {
    for (;;) {
      const id = randomUuid(this.random);
      if (!this.instances.has(id) && !this.filesystems.has(id)) return id;
    }
  }

  /** A private address, as Atlas documents `ip`. */
  private freshIp(): string {
    for (;;) {
      const ip = `10.${randomInt(this.random, 0, 255)}.${randomInt(this.random, 0, 255)}.${randomInt(this.random, 2, 254)}`;
      if (!this.usedIps.has(ip)) return ip;
    }
  }

  // ---------- indexes (kept in step with `instances`) ----------

  private add(instance: SimInstance): void {
    this.instances.set(instance.id, instance);
    const scope = key(instance.region, instance.projectId);
    let members = this.byScope.get(scope);
    if (!members) {
      members = new Map();
      this.byScope.set(scope, members);
    }
    members.set(instance.id, instance);
    if (instance.ip !== null) this.usedIps.add(instance.ip);
    if (instance.holdsCapacity) this.countHeld(instance, 1);
  }

  private remove(instance: SimInstance): void {
    this.instances.delete(instance.id);
    this.byScope.get(key(instance.region, instance.projectId))?.delete(instance.id);
    if (instance.ip !== null) this.usedIps.delete(instance.ip);
    if (instance.holdsCapacity) this.countHeld(instance, -1);
  }

  private setHolds(instance: SimInstance, holds: boolean): void {
    if (instance.holdsCapacity === holds) return;
    instance.holdsCapacity = holds;
    this.countHeld(instance, holds ? 1 : -1);
  }

  private countHeld(instance: SimInstance, delta: number): void {
    const k = key(instance.region, instance.type);
    this.held.set(k, (this.held.get(k) ?? 0) + delta);
  }

  // ---------- persistence ----------

  private snapshot(): Snapshot {
    return {
      version: 1,
      boots: this.boots,
      instances: [...this.instances.values()],
      filesystems: [...this.filesystems.values()],
      capacityOff: [...this.capacityOff],
    };
  }

  /** Bring back what was there, resuming transitions that were under way when the simulator stopped. */
  private restore(snapshot: Snapshot): void {
    for (const fs of snapshot.filesystems ?? []) this.filesystems.set(fs.id, fs);
    for (const entry of snapshot.capacityOff ?? []) this.capacityOff.add(entry);
    for (const instance of snapshot.instances ?? []) {
      this.add(instance);
      this.epochs.set(instance.id, 1);
      if (instance.transitionAt !== null) this.schedule(instance, Math.max(0, instance.transitionAt - Date.now()));
    }
  }
}
