import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResourceGroupService } from '../../src/services/resource-groups/service.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import { caught, insertVm, manualClock } from './support/rows.ts';

const budget = { monthlyAmount: 500, currency: 'USD', warnAtPercent: 80, action: 'stop' as const };

describe.each(STORE_KINDS)('ResourceGroupService on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ReturnType<typeof manualClock>;
  let service: ResourceGroupService;

  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    clock = manualClock();
    service = new ResourceGroupService({ store, clock: clock.now });
  });
  afterEach(async () => cleanup());

  it('creates, reads and updates a group with its budget', async () => {
    const created = await service.create({ name: ' research ', description: 'GPU experiments', budget });
    expect(created).toEqual({
      id: expect.any(String),
      name: 'research',
      description: 'GPU experiments',
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
      vmCount: 0,
      budget: { monthlyAmount: 500, currency: 'usd', warnAtPercent: 80, action: 'stop' },
    });
    expect(await service.get(created.id)).toEqual(created);

    clock.advance(5_000);
    const updated = await service.update(created.id, { name: 'Research', description: null, budget: null });
    expect(updated).toMatchObject({ name: 'Research', description: null, budget: null, updatedAt: clock.now().toISOString() });
    expect(updated.createdAt).toBe(created.createdAt);

    // Name and description only: the budget is kept.
    await service.update(created.id, { budget: { ...budget, monthlyAmount: 12.5, action: 'refuse' } });
    const renamed = await service.update(created.id, { name: 'r2' });
    expect(renamed.budget).toEqual({ monthlyAmount: 12.5, currency: 'usd', warnAtPercent: 80, action: 'refuse' });
  });

  it('clears the budget enforcer marks when the budget changes', async () => {
    const group = await service.create({ name: 'team', budget });
    await store.db
      .updateTable('resource_groups')
      .set({ budget_warned_month: '2030-01', budget_enforced_month: '2030-01' })
      .where('id', '=', group.id)
      .execute();
    await service.update(group.id, { description: 'no budget change' });
    let row = await store.db.selectFrom('resource_groups').selectAll().where('id', '=', group.id).executeTakeFirstOrThrow();
    expect(row.budget_warned_month).toBe('2030-01');
    await service.update(group.id, { budget: { ...budget, monthlyAmount: 1000 } });
    row = await store.db.selectFrom('resource_groups').selectAll().where('id', '=', group.id).executeTakeFirstOrThrow();
    expect(row.budget_warned_month).toBeNull();
    expect(row.budget_enforced_month).toBeNull();
  });

  it('validates input', async () => {
    const bad = [
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 'ok', description: 'd'.repeat(501) },
      { name: 'ok', budget: { ...budget, monthlyAmount: 0 } },
      { name: 'ok', budget: { ...budget, monthlyAmount: Number.NaN } },
      { name: 'ok', budget: { ...budget, currency: 'dollars' } },
      { name: 'ok', budget: { ...budget, warnAtPercent: 101 } },
      { name: 'ok', budget: { ...budget, warnAtPercent: 50.5 } },
      { name: 'ok', budget: { ...budget, action: 'explode' as 'stop' } },
    ];
    for (const input of bad) {
      expect(await caught(() => service.create(input))).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    }
    expect((await service.list({ page: 1, limit: 10, sort: [] })).meta.total).toBe(0);
  });

  it('keeps names unique among groups that exist', async () => {
    const a = await service.create({ name: 'prod' });
    const b = await service.create({ name: 'staging' });
    expect(await caught(() => service.create({ name: 'PROD' }))).toMatchObject({ status: 409, code: 'NAME_TAKEN' });
    expect(await caught(() => service.update(b.id, { name: 'Prod' }))).toMatchObject({ status: 409, code: 'NAME_TAKEN' });
    await service.remove(a.id);
    expect((await service.create({ name: 'prod' })).id).not.toBe(a.id);
  });

  it('counts live VMs and refuses to delete a group that has one', async () => {
    const group = await service.create({ name: 'busy' });
    const other = await service.create({ name: 'other' });
    const vm = await insertVm(store, { resourceGroupId: group.id });
    await insertVm(store, { resourceGroupId: group.id, deletedAt: '2029-12-31T00:00:00.000Z' });
    await insertVm(store, { resourceGroupId: other.id });
    expect((await service.get(group.id)).vmCount).toBe(1);

    const refused = await caught(() => service.remove(group.id));
    expect(refused).toMatchObject({ status: 409, code: 'RESOURCE_GROUP_NOT_EMPTY', details: { vmCount: 1 } });
    expect((await service.get(group.id)).name).toBe('busy');

    // Once the VM is destroyed the group can go; destroyed VMs do not hold it.
    await store.db
      .updateTable('vms')
      .set({ deleted_at: clock.now().toISOString(), status: 'Destroyed' })
      .where('id', '=', vm)
      .execute();
    await service.remove(group.id);
    expect(await caught(() => service.get(group.id))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await caught(() => service.remove(group.id))).toMatchObject({ status: 404 });
  });

  it('pages, sorts (also by vmCount) and searches', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['ml-a', 'ml-b', 'web', 'ml-c', 'data']) {
      ids[name] = (await service.create({ name })).id;
      clock.advance(1_000);
    }
    await insertVm(store, { resourceGroupId: ids.web! });
    await insertVm(store, { resourceGroupId: ids.web! });
    await insertVm(store, { resourceGroupId: ids['ml-c']! });

    const page = await service.list({ page: 2, limit: 2, sort: [] });
    expect(page.items.map((g) => g.name)).toEqual(['web', 'ml-b']);
    expect(page.meta).toEqual({ total: 5, page: 2, pageSize: 2, totalPages: 3, hasNextPage: true, hasPreviousPage: true });

    const busiest = await service.list({
      page: 1,
      limit: 5,
      sort: [
        { field: 'vmCount', direction: 'desc' },
        { field: 'name', direction: 'asc' },
      ],
    });
    expect(busiest.items.map((g) => [g.name, g.vmCount])).toEqual([
      ['web', 2],
      ['ml-c', 1],
      ['data', 0],
      ['ml-a', 0],
      ['ml-b', 0],
    ]);

    const ml = await service.list({ page: 1, limit: 2, sort: [{ field: 'name', direction: 'desc' }], search: 'ML-' });
    expect(ml.items.map((g) => g.name)).toEqual(['ml-c', 'ml-b']);
    expect(ml.meta).toEqual({ total: 3, page: 1, pageSize: 2, totalPages: 2, hasNextPage: true, hasPreviousPage: false });
  });
});
