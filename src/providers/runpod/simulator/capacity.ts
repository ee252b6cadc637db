import { randomInt, randomTestIp } from '../../kit/sim/random.ts';
import { DATA_CENTERS, findGpuType } from './catalog.ts';
import { randomPodId } from './ids.ts';

/** One host. Other tenants use some of its GPUs; a stopped pod stays pinned to it. */
export interface SimMachine {
  id: string;
  gpuTypeId: string;
  dataCenterId: string;
  gpuTotal: number;
  otherTenantGpus: number;
  publicIp: string;
  internalIp: string;
}

/** What capacity needs to know about a pod. */
export interface GpuHolder {
  id: string;
  machineId: string;
  gpuCount: number;
  holdsGpus: boolean;
  podType: 'RESERVED' | 'INTERRUPTABLE';
  bidPerGpu: number | null;
}

export type StockStatus = 'High' | 'Medium' | 'Low' | 'None';

export function buildMachines(random: () => number, scale = 1): SimMachine[] {
  const machines: SimMachine[] = [];
  for (const dc of DATA_CENTERS) {
    for (const [gpuTypeId, perDataCenter] of Object.entries(dc.machines)) {
      const count = Math.round(perDataCenter * scale);
      const gpuTotal = Math.min(8, findGpuType(gpuTypeId)?.maxGpuCount ?? 8);
      for (let i = 0; i < count; i++) {
        machines.push({
          id: randomPodId(random),
          gpuTypeId,
          dataCenterId: dc.id,
          gpuTotal,
          // Busy hosts: other tenants hold part of most machines and all of some.
          otherTenantGpus: random() < 0.2 ? gpuTotal : randomInt(random, 0, gpuTotal - 1),
          publicIp: randomTestIp(random),
          internalIp: `100.65.${randomInt(random, 0, 255)}.${randomInt(random, 2, 254)}`,
        });
      }
    }
  }
  return machines;
}

interface Exhaustion {
  gpuTypeId?: string;
  dataCenterId?: string;
}

export class Capacity {
  private exhausted: Exhaustion[] = [];
  private readonly byId = new Map<string, SimMachine>();
  /** Hosts per GPU type, in catalog order (placement walks only the hosts that could take the pod). */
  private readonly byType = new Map<string, SimMachine[]>();

  constructor(
    readonly machines: SimMachine[],
    /** The pods pinned to one host: a handful, whatever the size of the fleet. */
    private readonly podsOn: (machineId: string) => Iterable<GpuHolder>,
  ) {
    for (const m of machines) {
      this.byId.set(m.id, m);
      const list = this.byType.get(m.gpuTypeId) ?? [];
      list.push(m);
      this.byType.set(m.gpuTypeId, list);
    }
  }

  /** `setCapacity(false, …)`: matching hosts have no free GPU for new pods nor for resumes. */
  exhaust(filter: Exhaustion): void {
    this.exhausted.push(filter);
  }

  restore(filter?: Exhaustion): void {
    if (!filter || (!filter.gpuTypeId && !filter.dataCenterId)) {
      this.exhausted = [];
      return;
    }
    this.exhausted = this.exhausted.filter(
      (e) =>
        !(
          (!filter.gpuTypeId || e.gpuTypeId === filter.gpuTypeId) &&
          (!filter.dataCenterId || e.dataCenterId === filter.dataCenterId)
        ),
    );
  }

  isExhausted(machine: SimMachine): boolean {
    return this.exhausted.some(
      (e) => (!e.gpuTypeId || e.gpuTypeId === machine.gpuTypeId) && (!e.dataCenterId || e.dataCenterId === machine.dataCenterId),
    );
  }

  machine(id: string): SimMachine | undefined {
    return this.byId.get(id);
  }

  freeGpus(machine: SimMachine): number {
    if (this.isExhausted(machine)) return 0;
    let held = 0;
    for (const pod of this.podsOn(machine.id)) if (pod.holdsGpus) held += pod.gpuCount;
    return Math.max(0, machine.gpuTotal - machine.otherTenantGpus - held);
  }

  /** RunPod's coarse stock level: free GPUs on the hosts that could take a pod of `gpuCount`. */
  stockStatus(gpuTypeId: string, dataCenterId?: string, gpuCount = 1): StockStatus {
    const free = this.hostsFor(gpuTypeId, dataCenterId)
      .map((m) => this.freeGpus(m))
      .filter((f) => f >= gpuCount)
      .reduce((sum, f) => sum + f, 0);
    if (free >= 16) return 'High';
    if (free >= 6) return 'Medium';
    if (free >= 1) return 'Low';
    return 'None';
  }

  /** The first host with `count` free GPUs. */
  findHost(gpuTypeId: string, dataCenterId: string | undefined, count: number): SimMachine | null {
    return this.hostsFor(gpuTypeId, dataCenterId).find((m) => this.freeGpus(m) >= count) ?? null;
  }

  /**
   * For an on-demand pod when no host is free: a host where evicting interruptible pods (lowest bids
   * first) makes room, and those pods. On-demand customers outrank spot ones.
   */
  evictionFor(
    gpuTypeId: string,
    dataCenterId: string | undefined,
    count: number,
  ): { host: SimMachine; victims: GpuHolder[] } | null {
    for (const host of this.hostsFor(gpuTypeId, dataCenterId)) {
      if (this.isExhausted(host)) continue;
      const spot = [...this.podsOn(host.id)]
        .filter((p) => p.holdsGpus && p.podType === 'INTERRUPTABLE')
        .sort((a, b) => (a.bidPerGpu ?? 0) - (b.bidPerGpu ?? 0));
      let free = this.freeGpus(host);
      const victims: GpuHolder[] = [];
      for (const pod of spot) {
        if (free >= count) break;
        victims.push(pod);
        free += pod.gpuCount;
      }
      if (free >= count && victims.length > 0) return { host, victims };
    }
    return null;
  }

  private hostsFor(gpuTypeId: string, dataCenterId: string | undefined): SimMachine[] {
    const hosts = this.byType.get(gpuTypeId) ?? [];
    return dataCenterId ? hosts.filter((m) => m.dataCenterId === dataCenterId) : hosts;
  }
}
