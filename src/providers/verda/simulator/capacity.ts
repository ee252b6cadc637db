import { SIM_CAPACITY, SIM_INSTANCE_TYPES, type SimInstanceType } from './catalog.ts';

/** What holds capacity right now: placed instances that have not been discontinued. */
export interface CapacityHolder {
  instanceType: string;
  location: string;
  isSpot: boolean;
}

/**
 * GPU capacity per family × location, on-demand and spot apart. An instance takes its GPUs when it is
 * placed and gives them back when it is discontinued; `setCapacity(false)` switches (type, location)
 * pairs off entirely.
 */
export class CapacityModel {
  private readonly disabled = new Set<string>();
  /** Units held per family × location × contract, counted as instances are placed and discontinued. */
  private readonly used = new Map<string, number>();

  constructor(
    holders: Iterable<CapacityHolder>,
    /** Multiplies every pool (benchmarks seeding many VMs). */
    private readonly scale = 1,
  ) {
    for (const holder of holders) this.take(holder);
  }

  private static usageKey(family: string, location: string, isSpot: boolean): string {
    return `${family}@${location}@${isSpot ? 'spot' : 'on-demand'}`;
  }

  /** An instance was placed: its GPUs are in use until `give`. */
  take(holder: CapacityHolder): void {
    this.count(holder, 1);
  }

  /** The instance was discontinued: its GPUs are free again. */
  give(holder: CapacityHolder): void {
    this.count(holder, -1);
  }

  private count(holder: CapacityHolder, sign: 1 | -1): void {
    const type = SIM_INSTANCE_TYPES.find((t) => t.instance_type === holder.instanceType);
    if (!type) return;
    const key = CapacityModel.usageKey(type.family, holder.location, holder.isSpot);
    this.used.set(key, (this.used.get(key) ?? 0) + sign * unitsOf(type));
  }

  private static key(instanceType: string, location: string): string {
    return `${instanceType}@${location}`;
  }

  /** GPUs (nodes for CPU types) still free for this type in this location. */
  free(type: SimInstanceType, location: string, isSpot: boolean): number {
    if (this.disabled.has(CapacityModel.key(type.instance_type, location))) return 0;
    const pool = SIM_CAPACITY[location]?.[type.family];
    const total = pool ? (isSpot ? pool.spot : pool.onDemand) * this.scale : 0;
    const used = this.used.get(CapacityModel.usageKey(type.family, location, isSpot)) ?? 0;
    return Math.max(0, total - used);
  }

  fits(type: SimInstanceType, location: string, isSpot: boolean): boolean {
    return this.free(type, location, isSpot) >= unitsOf(type);
  }

  set(available: boolean, filter: { providerSkuId?: string; locationCode?: string } = {}): void {
    for (const type of SIM_INSTANCE_TYPES) {
      if (filter.providerSkuId && filter.providerSkuId !== type.instance_type) continue;
      for (const location of Object.keys(SIM_CAPACITY)) {
        if (filter.locationCode && filter.locationCode !== location) continue;
        const key = CapacityModel.key(type.instance_type, location);
        if (available) this.disabled.delete(key);
        else this.disabled.add(key);
      }
    }
  }

  restore(): void {
    this.disabled.clear();
  }
}

function unitsOf(type: SimInstanceType): number {
  return Math.max(1, type.gpu.number_of_gpus);
}
