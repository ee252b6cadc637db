import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { DEFAULT_ENTITY_ID } from '../../src/core/domain/types.ts';
import { silentLogger } from '../../src/logger.ts';
import { EventRetention } from '../../src/runtime/event-retention.ts';
import { EventPublisher } from '../../src/services/events/publisher.ts';
import { EventRepository } from '../../src/services/events/repository.ts';
import { queueDeliveries } from '../../src/services/webhooks/repository.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

describe.each(STORE_KINDS)('event retention on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
  });
  afterEach(async () => cleanup());

  it('prunes events older than the retention and keeps the rest, resumable by id', async () => {
    const publisher = new EventPublisher(store.db, store.dialect);
    const repository = new EventRepository(store.db);
    const now = new Date('2026-03-10T12:00:00Z');
    const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();
    const publish = (daysAgo: number) =>
      publisher.publish({
        type: 'vm.updated',
        entityId: DEFAULT_ENTITY_ID,
        subject: { kind: 'vm', id: randomUUID() },
        time: at(daysAgo),
      });
    const old = await publish(8);
    const edge = await publish(6.9);
    const fresh = await publish(0);

    const retention = new EventRetention(repository, 7, silentLogger);
    expect(await retention.pruneOnce(now)).toBe(1);
    expect(await repository.seqOf(old.id)).toBeUndefined();
    expect(await repository.seqOf(edge.id, DEFAULT_ENTITY_ID)).toBe(edge.seq);
    expect(await repository.seqOf(fresh.id, randomUUID())).toBeUndefined();
    expect((await repository.after({ afterSeq: 0 }, 10)).map((e) => e.id)).toEqual([edge.id, fresh.id]);
    expect(await retention.pruneOnce(now)).toBe(0);
  });

  it('prunes the finished webhook deliveries of pruned events, never a pending one', async () => {
    const publisher = new EventPublisher(store.db, store.dialect);
    publisher.addFanout(queueDeliveries);
    const repository = new EventRepository(store.db);
    const now = new Date('2026-03-10T12:00:00Z');
    const webhookId = randomUUID();
    await store.db
      .insertInto('webhooks')
      .values({
        id: webhookId,
        entity_id: DEFAULT_ENTITY_ID,
        url: 'https://hooks.example.com/x',
        description: '',
        events_json: JSON.stringify(['vm.updated']),
        status: 'active',
        disabled_reason: null,
        disabled_at: null,
        secret_enc: 'sealed',
        secret_prefix: 'whsec_x',
        previous_secret_enc: null,
        previous_secret_expires_at: null,
        consecutive_failures: 0,
        last_delivery_at: null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .execute();
    const publish = (daysAgo: number) =>
      publisher.publish({
        type: 'vm.updated',
        entityId: DEFAULT_ENTITY_ID,
        subject: { kind: 'vm', id: randomUUID() },
        time: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(),
      });
    const [delivered, pending, fresh] = [await publish(9), await publish(8), await publish(1)];
    await store.db.updateTable('webhook_deliveries').set({ status: 'delivered' }).where('event_id', '=', delivered.id).execute();

    await new EventRetention(repository, 7, silentLogger).pruneOnce(now);
    const left = await store.db.selectFrom('webhook_deliveries').select(['event_id', 'status']).orderBy('created_at').execute();
    expect(left).toEqual([
      { event_id: pending.id, status: 'pending' },
      { event_id: fresh.id, status: 'pending' },
    ]);
  });

  it('reads the retention from GPUFLEET_EVENT_RETENTION_DAYS', () => {
    expect(loadConfig({}).eventRetentionDays).toBe(7);
    expect(loadConfig({ GPUFLEET_EVENT_RETENTION_DAYS: '30' }).eventRetentionDays).toBe(30);
    expect(() => loadConfig({ GPUFLEET_EVENT_RETENTION_DAYS: '0' })).toThrow(/GPUFLEET_EVENT_RETENTION_DAYS/);
    expect(() => loadConfig({ GPUFLEET_EVENT_RETENTION_DAYS: 'week' })).toThrow(/GPUFLEET_EVENT_RETENTION_DAYS/);
  });
});
