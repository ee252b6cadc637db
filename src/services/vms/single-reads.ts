import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { type BillingSegmentRow, billingSegmentsOf } from '../costs/billing.ts';
import type { VolumeRepository } from '../volumes/repository.ts';
import type { VmRepository, VmRowWithNames } from './repository.ts';

/** The stored rows one VM's answer is built from. */
export interface VmSource {
  row: VmRowWithNames;
  segments: BillingSegmentRow[];
  attached: Awaited<ReturnType<VolumeRepository['attachedToVms']>>;
}

/**
 * Single-VM reads: one query reads the VM's row with a stamp of what else its answer shows (attached
 * volumes, billing segments); those are read again only when the stamp moved, and not at all when there are
 * none. The answer is rendered on every read, so what moves with the clock (accrued cost, staleness, the
 * account's last sync) is always current. At 10,000 VMs a reader rarely asks for one VM twice within a few
 * seconds: a cache of built answers that expired after seconds missed nearly every time and then read four
 * tables per request.
 */
export class SingleVmReads {
  private readonly sources = new Map<string, VmSource & { stamp: string }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly vms: VmRepository,
    private readonly volumes: VolumeRepository,
    private readonly maxEntries = 10_000,
  ) {}

  /** The row last read for this VM, if any (its account tells which refresh a read should wait for). */
  known(id: string): VmRowWithNames | undefined {
    return this.sources.get(id)?.row;
  }

  async read(id: string): Promise<VmSource | undefined> {
    const found = await this.vms.getForRead(id);
    if (!found) {
      this.sources.delete(id);
      return undefined;
    }
    const kept = this.sources.get(id);
    if (kept && kept.stamp === found.stamp) return kept;
    // What the stamp counts as none is not read at all (most VMs have no volume).
    const [segments, attached] = await Promise.all([
      found.segments > 0 ? billingSegmentsOf(this.db, [id]) : [],
      found.volumes > 0 ? this.volumes.attachedToVms([id]) : [],
    ]);
    // Segments and volumes read after the stamp: a write in between leaves a stamp older than what is kept,
    // so the next read reloads; never the other way round.
    const source = { stamp: found.stamp, row: found.row, segments, attached };
    if (this.sources.size >= this.maxEntries && !this.sources.has(id)) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.sources.keys().next().value;
      if (oldest !== undefined) this.sources.delete(oldest);
    }
    this.sources.delete(id);
    this.sources.set(id, source);
    return source;
  }
}
