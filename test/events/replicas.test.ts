import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENTITY_ID } from '../../src/core/domain/types.ts';
import { type Replicas, startPgReplicas } from '../support/replicas.ts';
import { openSse, type SseConnection } from './sse-client.ts';

const ADMIN_KEY = 'gf_events_replica_admin_key_00000';

/**
 * Two gpufleet processes on one PostgreSQL schema. The hubs' own poll is set to a minute, so anything
 * delivered within a second came through LISTEN/NOTIFY (or the gap re-read), not the fallback poll.
 */
describe('events across replicas on one PostgreSQL schema', () => {
  let cluster: Replicas;
  let replicas: Replicas['replicas'];
  const streams: SseConnection[] = [];

  beforeAll(async () => {
    cluster = await startPgReplicas(2, { adminKey: ADMIN_KEY, timing: { workerTickMs: 50, eventPollMs: 60_000 } });
    replicas = cluster.replicas;
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await cluster?.close();
  });

  const subscribe = async (replica: number, query = '') => {
    const stream = await openSse(`${replicas[replica]!.url}/v1/events${query}`, { 'X-API-Key': ADMIN_KEY });
    streams.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };
  const publish = (replica: number, subjectId: string, data: Record<string, unknown> = {}) =>
    replicas[replica]!.app.events.publish({
      type: 'vm.updated',
      entityId: DEFAULT_ENTITY_ID,
      subject: { kind: 'vm', id: subjectId },
      data,
    });

  it('delivers an event stored on one replica to subscribers of the other within a second', async () => {
    const subjectId = randomUUID();
    const onB = await subscribe(1, `?subjectId=${subjectId}`);
    const onA = await subscribe(0, `?subjectId=${subjectId}`);
    const started = Date.now();
    const event = await publish(0, subjectId, { from: 'A' });
    const [got] = await onB.waitFor(1, undefined, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(got!.id).toBe(event.id);
    expect((await onA.waitFor(1, undefined, 1_000))[0]!.id).toBe(event.id);

    const back = await publish(1, subjectId, { from: 'B' });
    expect((await onA.waitFor(2, undefined, 1_000))[1]!.id).toBe(back.id);
    expect(onB.messages.map((m) => m.id)).toEqual([event.id, back.id]);
  });

  it('delivers an event whose lower seq commits after a higher one was already read', async () => {
    const subjectId = randomUUID();
    const stream = await subscribe(1, `?subjectId=${subjectId}`);
    let later = '';
    let earlier = '';
    await cluster.store.db.transaction().execute(async (trx) => {
      // Takes its seq now, commits last.
      earlier = (
        await replicas[0]!.app.events.publish(
          { type: 'vm.updated', entityId: DEFAULT_ENTITY_ID, subject: { kind: 'vm', id: subjectId }, data: { n: 1 } },
          trx,
        )
      ).id;
      const committed = await publish(0, subjectId, { n: 2 });
      later = committed.id;
      await stream.waitFor(1, (m) => m.id === later, 1_000);
    });
    await stream.waitFor(2, undefined, 1_000);
    expect(new Set(stream.messages.map((m) => m.id))).toEqual(new Set([earlier, later]));
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.messages).toHaveLength(2);
  });

  it('resumes on one replica from an event id seen on the other', async () => {
    const subjectId = randomUUID();
    const first = await publish(0, subjectId, { n: 1 });
    const second = await publish(1, subjectId, { n: 2 });
    const resumed = await subscribe(0, `?subjectId=${subjectId}&lastEventId=${first.id}`);
    expect((await resumed.waitFor(1, undefined, 2_000)).map((m) => m.id)).toEqual([second.id]);
  });
});
