import { describe, expect, it } from 'vitest';
import { buildSimControl, type WorldControl } from './control.ts';
import { FaultState } from './faults.ts';

function world(overrides: Partial<WorldControl> = {}): WorldControl & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    reset: () => void calls.push('world reset'),
    setCapacity: (available) => void calls.push(`capacity ${available}`),
    preempt: (id) => void calls.push(`preempt ${id}`),
    setRawStatus: (id, raw) => void calls.push(`raw ${id} ${raw}`),
    liveInstanceIds: () => ['a'],
    bootWorkload: () => null,
    ...overrides,
  };
}

describe('simulator kit: control', () => {
  it('clears the faults, then lets the world undo its own changes', () => {
    const faults = new FaultState();
    const w = world({ reset: () => void w.calls.push(`world reset, faults pending ${JSON.stringify(faults.pending())}`) });
    const control = buildSimControl(faults, w);
    control.rateLimitNext(3);
    control.malformNext(2);
    control.setFaults({ errorRate: 0.5 });
    control.reset();
    expect(w.calls).toEqual(['world reset, faults pending {"rateLimited":0,"malformed":0}']);
    expect(faults.errorRate).toBe(0);
  });

  it('passes the world operations through and has no optional ones the world lacks', () => {
    const w = world();
    const control = buildSimControl(new FaultState(), w);
    control.setCapacity(false);
    control.preempt('a');
    control.setRawStatus('a', 'odd');
    control.expireTokens();
    expect(w.calls).toEqual(['capacity false', 'preempt a', 'raw a odd']);
    expect(control.liveVolumeIds).toBeUndefined();
    expect(control.setGpuUtilization).toBeUndefined();
    const full = buildSimControl(new FaultState(), world({ liveVolumeIds: () => ['v'], setGpuUtilization: () => undefined }));
    expect(full.liveVolumeIds?.()).toEqual(['v']);
    expect(full.setGpuUtilization).toBeTypeOf('function');
  });

  it('hides the next instance beyond every known one, lingering deleted ones included', () => {
    const faults = new FaultState();
    const control = buildSimControl(faults, world({ knownInstanceIds: () => ['a', 'gone'] }));
    control.hideNextCreated(60_000);
    expect(faults.listing.listed('gone')).toBe(true);
    expect(faults.listing.listed('b')).toBe(false);
    const byLive = new FaultState();
    buildSimControl(byLive, world()).hideNextCreated(60_000);
    expect(byLive.listing.listed('gone')).toBe(false);
  });

  it('counts requests and reports pending faults from the shared fault state', async () => {
    const faults = new FaultState();
    const control = buildSimControl(faults, world());
    control.malformNext(1);
    await faults.admit('GET /x');
    expect(control.requestCounts()).toEqual({ 'GET /x': 1 });
    expect(control.pendingFaults()).toEqual({ rateLimited: 0, malformed: 1 });
  });
});
