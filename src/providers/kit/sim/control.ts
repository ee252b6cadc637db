import type { SimulatorControl } from '../../../core/provider/provider.ts';
import type { FaultState } from './faults.ts';

/** The part of `SimulatorControl` only the simulated world can do; `buildSimControl` adds the rest. */
export type WorldControl = Pick<
  SimulatorControl,
  'setCapacity' | 'preempt' | 'setRawStatus' | 'setGpuUtilization' | 'liveInstanceIds' | 'liveVolumeIds' | 'bootWorkload'
> & {
  /** Undo what tests changed in the world (capacity, raw-status overrides); the faults are cleared before. */
  reset(): void;
  /** Revoke every token issued so far; absent for a cloud of static API keys, where there is nothing to expire. */
  expireTokens?(): void;
  /**
   * Every instance a listing or a read can still meet, deleted ones that linger included; `hideNextCreated` hides
   * the first id not among them. `liveInstanceIds` unless the world keeps gone instances visible for a while.
   */
  knownInstanceIds?(): Iterable<string>;
};

/** The control object of a running simulator: the world's operations plus faults, listings and counts. */
export function buildSimControl(faults: FaultState, world: WorldControl): SimulatorControl {
  const known = () => (world.knownInstanceIds ? world.knownInstanceIds() : world.liveInstanceIds());
  const control: SimulatorControl = {
    setFaults: (f) => faults.setFaults(f),
    reset: () => {
      faults.reset();
      world.reset();
    },
    rateLimitNext: (count, retryAfterSec) => faults.rateLimitNext(count, retryAfterSec),
    expireTokens: () => world.expireTokens?.(),
    setCapacity: (available, filter) => world.setCapacity(available, filter),
    preempt: (id) => world.preempt(id),
    setRawStatus: (id, raw) => world.setRawStatus(id, raw),
    hideFromListing: (id, ms, o) => faults.listing.hide(id, ms, o),
    hideNextCreated: (ms, o) => faults.listing.hideNext(ms, known(), o),
    malformNext: (count) => faults.malformNext(count),
    pendingFaults: () => faults.pending(),
    requestCounts: () => faults.requestCounts(),
    liveInstanceIds: () => world.liveInstanceIds(),
    bootWorkload: (id) => world.bootWorkload(id),
  };
  // Optional in `SimulatorControl`: present only where the world has them, so callers can tell.
  const { liveVolumeIds, setGpuUtilization } = world;
  if (liveVolumeIds) control.liveVolumeIds = () => liveVolumeIds.call(world);
  if (setGpuUtilization) control.setGpuUtilization = (id, percent) => setGpuUtilization.call(world, id, percent);
  return control;
}
