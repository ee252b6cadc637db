import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { providerRegistry } from '../../src/providers/registry.ts';
import { createRequestFor } from '../support/instances.ts';

const silentLogger = { info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'gf-sim-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cloud never forgets an instance it accepted: its simulator's state is on disk before it answers. */
describe.each(providerRegistry.map((d) => [d.id, d] as const))('simulator persistence (%s)', (id, definition) => {
  it('has an accepted create in its state file when the answer arrives, and still knows it after a restart', async () => {
    const stateFile = join(dir, `${id}.json`);
    const sim = await definition.simulator.start({ transitionMs: 60, seed: 3, stateFile });
    const provider = definition.connect(
      {
        accountId: randomUUID(),
        name: id,
        baseUrl: sim.baseUrl,
        credentials: sim.account.credentials,
        settings: sim.account.settings,
      },
      { logger: silentLogger },
    );
    let instanceId: string;
    try {
      const offer = (await provider.listOffers()).find((o) => o.available && !o.spot);
      if (!offer) throw new Error('no offer');
      const created = await provider.createInstance(createRequestFor(offer, { name: 'persisted' }));
      instanceId = created.providerInstanceId;
      // Read right away, as a process killed at this moment would leave it.
      expect(readFileSync(stateFile, 'utf8')).toContain(instanceId);
    } finally {
      await provider.close();
      await sim.close();
    }
    const again = await definition.simulator.start({ transitionMs: 60, seed: 3, stateFile });
    try {
      expect(again.control.liveInstanceIds()).toContain(instanceId);
    } finally {
      await again.close();
    }
  });
});
