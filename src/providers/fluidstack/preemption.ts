import type { Instance } from './wire.ts';

const ACTIVE = new Set(['creating', 'starting', 'running']);
const STOPPED = new Set(['stopping', 'stopped']);

/**
 * Atlas has no preempted state: a preemptible instance taken back by an on-demand customer just goes
 * `stopping` → `stopped`, like one the user stopped. The adapter tells them apart by what it has seen: a
 * preemptible instance seen active that stops without a stop from this adapter was preempted.
 *
 * What it has not seen it does not claim: after a restart, an instance first seen stopped reads as plainly
 * Stopped (it can still be started), never as preempted on a guess.
 */
export class PreemptionTracker {
  private readonly seenActive = new Set<string>();
  private readonly stoppedByUs = new Set<string>();
  private readonly preempted = new Set<string>();

  /** Called before a stop is sent, so a poll that races the stop's answer already knows it. */
  noteStop(id: string): void {
    this.stoppedByUs.add(id);
  }

  /** A stop that failed: the instance was not stopped by us after all. */
  undoStop(id: string): void {
    this.stoppedByUs.delete(id);
  }

  /** Starting again ends a stop or a preemption; a poll that still shows `stopped` must not read as preempted anew. */
  noteStart(id: string): void {
    this.stoppedByUs.delete(id);
    this.preempted.delete(id);
    this.seenActive.delete(id);
  }

  /** `preempted` or null, remembering what this state says for the next reading. */
  reasonFor(wire: Pick<Instance, 'id' | 'state' | 'preemptible'>): 'preempted' | null {
    if (!wire.preemptible) return null;
    if (ACTIVE.has(wire.state)) {
      // `stoppedByUs` stays: a poll answered just before our stop landed still shows the instance running.
      this.seenActive.add(wire.id);
      this.preempted.delete(wire.id);
      return null;
    }
    if (!STOPPED.has(wire.state)) return null;
    if (this.seenActive.has(wire.id) && !this.stoppedByUs.has(wire.id)) this.preempted.add(wire.id);
    this.seenActive.delete(wire.id);
    return this.preempted.has(wire.id) ? 'preempted' : null;
  }

  forget(id: string): void {
    this.seenActive.delete(id);
    this.stoppedByUs.delete(id);
    this.preempted.delete(id);
  }
}
