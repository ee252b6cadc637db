import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { VmRepository } from '../../src/services/vms/repository.ts';
import { SingleVmReads } from '../../src/services/vms/single-reads.ts';
import { VolumeRepository } from '../../src/services/volumes/repository.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import { insertVm } from './support/rows.ts';

describe.each(STORE_KINDS)('single-VM reads (%s)', (kind) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  async function setUp(): Promise<{ store: Store; reads: SingleVmReads; vms: VmRepository }> {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    const vms = new VmRepository(opened.store.db);
    return { store: opened.store, reads: new SingleVmReads(opened.store.db, vms, new VolumeRepository(opened.store.db)), vms };
  }

  async function openSegment(store: Store, vmId: string): Promise<string> {
    const id = randomUUID();
    await store.db
      .insertInto('billing_segments')
      .values({
        id,
        vm_id: vmId,
        started_at: new Date(Date.now() - 3_600_000).toISOString(),
        ended_at: null,
        price_amount: 2,
        currency: 'usd',
      })
      .execute();
    return id;
  }

  it('keeps what it read while nothing changed, and reads again what a write changed', async () => {
    const { store, reads, vms } = await setUp();
    const id = await insertVm(store);
    const first = await reads.read(id);
    expect(first?.row.id).toBe(id);
    expect(first?.segments).toEqual([]);
    expect(await reads.read(id)).toBe(first);

    await vms.update(id, { name: 'renamed' });
    const afterWrite = await reads.read(id);
    expect(afterWrite).not.toBe(first);
    expect(afterWrite?.row.name).toBe('renamed');
    expect(reads.known(id)?.name).toBe('renamed');
  });

  it('reads the billing segments again when one opens or closes, which the row alone does not show', async () => {
    const { store, reads } = await setUp();
    const id = await insertVm(store);
    await reads.read(id);
    const segment = await openSegment(store, id);
    const opened = await reads.read(id);
    expect(opened?.segments.map((s) => s.ended_at)).toEqual([null]);

    await store.db
      .updateTable('billing_segments')
      .set({ ended_at: new Date().toISOString() })
      .where('id', '=', segment)
      .execute();
    const closed = await reads.read(id);
    expect(closed).not.toBe(opened);
    expect(closed?.segments[0]?.ended_at).not.toBeNull();
  });

  it('answers nothing for a VM that does not exist', async () => {
    const { reads } = await setUp();
    expect(await reads.read(randomUUID())).toBeUndefined();
  });
});
