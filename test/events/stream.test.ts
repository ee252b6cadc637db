import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput, PlatformEvent } from '../../src/core/domain/events.ts';
import { DEFAULT_ENTITY_ID } from '../../src/core/domain/types.ts';
import { catalogIds, newSshKey } from '../e2e/helpers.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { keyOfAnotherEntity } from '../support/entities.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { openSse, type SseConnection } from './sse-client.ts';

describe.each(STORE_KINDS)('GET /v1/events on %s', (store) => {
  let t: TestApp;
  const open: SseConnection[] = [];
  const sse = async (query = '', headers: Record<string, string> = {}) => {
    const c = await openSse(`${t.url}/v1/events${query}`, { 'X-API-Key': t.adminKey, ...headers });
    open.push(c);
    return c;
  };
  beforeAll(async () => {
    t = await startTestApp({ store, web: false, eventHeartbeatMs: 200 });
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  it('streams vm.status_changed Provisioning → Running within a second of the refresh that saw it', async () => {
    const stream = await sse('?types=vm.status_changed');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('x-request-id')).toBeTruthy();
    const sshKeyId = await newSshKey(t);
    const { seriesId, datacenterId } = await catalogIds(t, 'h100_series', 'verda-fin-01');
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'streamed', seriesId, datacenterId, gpuCount: 1, sshKeyId });
    expect(order.status).toBe(202);
    const vmId = order.body.data.resourceId as string;

    const [running] = await stream.waitFor(1, (m) => JSON.parse(m.data).data.to === 'Running', 30_000);
    const event = JSON.parse(running!.data);
    expect(running!.event).toBe('vm.status_changed');
    expect(running!.id).toBe(event.id);
    expect(event).toMatchObject({
      type: 'vm.status_changed',
      subject: { kind: 'vm', id: vmId },
      data: { from: 'Provisioning', to: 'Running', name: 'streamed' },
    });
    expect(typeof event.data.providerStatus).toBe('string');
    // Delivered within a second of the write that saw the change (the event time is that write's).
    expect(Date.now() - Date.parse(event.time)).toBeLessThan(1_000);
    expect(stream.retry).toBeGreaterThan(0);
    expect(stream.messages.every((m) => m.event === 'vm.status_changed')).toBe(true);
  });

  const publish = (input: Partial<EventInput> & Pick<EventInput, 'type'>) =>
    t.app.events.publish({ entityId: DEFAULT_ENTITY_ID, subject: { kind: 'vm', id: randomUUID() }, data: {}, ...input });

  it('replays what a reconnecting client missed after its Last-Event-ID, then goes on live', async () => {
    const subject = { kind: 'vm' as const, id: randomUUID() };
    const first = await sse(`?subjectId=${subject.id}`);
    const seen = await publish({ type: 'vm.updated', subject, data: { n: 1 } });
    const [got] = await first.waitFor(1);
    expect(got!.id).toBe(seen.id);
    first.close();

    // Stored while no one was listening.
    const missed = [
      await publish({ type: 'vm.updated', subject, data: { n: 2 } }),
      await publish({ type: 'vm.delete_requested', subject, data: { n: 3 } }),
    ];
    const again = await sse(`?subjectId=${subject.id}`, { 'Last-Event-ID': seen.id });
    const replayed = await again.waitFor(2);
    expect(replayed.map((m) => m.id)).toEqual(missed.map((e) => e.id));
    expect(replayed.map((m) => m.event)).toEqual(['vm.updated', 'vm.delete_requested']);
    const live = await publish({ type: 'vm.updated', subject, data: { n: 4 } });
    const all = await again.waitFor(3);
    expect(all[2]!.id).toBe(live.id);
    expect(JSON.parse(all[2]!.data)).toMatchObject({ id: live.id, seq: live.seq, data: { n: 4 }, entityId: DEFAULT_ENTITY_ID });

    // The query parameter does the same for clients that cannot set headers.
    const byQuery = await sse(`?subjectId=${subject.id}&lastEventId=${missed[0]!.id}`);
    expect((await byQuery.waitFor(2)).map((m) => m.id)).toEqual([missed[1]!.id, live.id]);

    // An id that is not stored replays every retained event (of the filter).
    const fromStart = await sse(`?subjectId=${subject.id}`, { 'Last-Event-ID': randomUUID() });
    expect((await fromStart.waitFor(4)).map((m) => m.id)).toEqual([seen.id, ...missed.map((e) => e.id), live.id]);
  });

  it('keeps only the types asked for', async () => {
    const subject = { kind: 'vm' as const, id: randomUUID() };
    const stream = await sse(`?subjectId=${subject.id}&types=vm.updated,ssh_key.deleted`);
    await publish({ type: 'vm.created', subject });
    const wanted = await publish({ type: 'vm.updated', subject });
    await publish({ type: 'job.progress', subject });
    const alsoWanted = await publish({ type: 'ssh_key.deleted', subject });
    const got = await stream.waitFor(2);
    expect(got.map((m) => m.id)).toEqual([wanted.id, alsoWanted.id]);
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.messages).toHaveLength(2);
  });

  it("never delivers another entity's events, live or replayed", async () => {
    const otherEntity = randomUUID();
    const otherKey = await keyOfAnotherEntity(t.app.store.db, otherEntity);
    const mine = await sse();
    const theirs = await openSse(`${t.url}/v1/events`, { 'X-API-Key': otherKey });
    open.push(theirs);
    const foreign = await publish({ type: 'vm.updated', entityId: otherEntity, data: { secret: 'theirs' } });
    const own = await publish({ type: 'vm.updated', data: { n: 'mine' } });
    expect((await mine.waitFor(1, (m) => m.id === own.id)).length).toBe(1);
    expect((await theirs.waitFor(1)).map((m) => m.id)).toEqual([foreign.id]);
    await new Promise((r) => setTimeout(r, 300));
    expect(mine.messages.some((m) => m.id === foreign.id)).toBe(false);
    expect(theirs.messages.some((m) => m.id === own.id)).toBe(false);

    // Their event id is unknown to us: resuming from it replays our own events only.
    const resumed = await sse('?types=vm.updated', { 'Last-Event-ID': foreign.id });
    await resumed.waitFor(1, (m) => m.id === own.id);
    expect(resumed.messages.some((m) => JSON.parse(m.data).entityId !== DEFAULT_ENTITY_ID)).toBe(false);
    const page = await t.call('GET', '/v1/events?format=json&limit=100');
    expect(page.body.data.some((e: { id: string }) => e.id === foreign.id)).toBe(false);
    const theirPage = await fetch(`${t.url}/v1/events?format=json`, { headers: { 'X-API-Key': otherKey } });
    expect(((await theirPage.json()) as { data: { id: string }[] }).data.map((e) => e.id)).toEqual([foreign.id]);
  });

  it('pages the stored events with format=json, newest first, filtered like the stream', async () => {
    const subject = { kind: 'volume' as const, id: randomUUID() };
    const published: PlatformEvent[] = [];
    for (let i = 0; i < 5; i++) published.push(await publish({ type: 'volume.status_changed', subject, data: { i } }));
    await publish({ type: 'volume.deleted', subject });
    const first = await t.call('GET', `/v1/events?format=json&subjectId=${subject.id}&types=volume.status_changed&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.success).toBe(true);
    expect(first.body.meta).toEqual({ total: 5, page: 1, pageSize: 2, totalPages: 3, hasNextPage: true, hasPreviousPage: false });
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual([published[4]!.id, published[3]!.id]);
    expect(first.body.data[0]).toEqual(JSON.parse(JSON.stringify(published[4])));
    const last = await t.call('GET', `/v1/events?format=json&subjectId=${subject.id}&types=volume.status_changed&limit=2&page=3`);
    expect(last.body.data.map((e: { id: string }) => e.id)).toEqual([published[0]!.id]);
    expect(last.body.meta.hasNextPage).toBe(false);
    // GPCN's sort: a client's default `createdAt:desc` is the event time; ascending turns the order round.
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((e) => e.id);
    const scoped = `/v1/events?format=json&subjectId=${subject.id}&types=volume.status_changed&limit=10`;
    expect(ids(await t.call('GET', `${scoped}&sort=createdAt:desc`))).toEqual(published.map((e) => e.id).reverse());
    expect(ids(await t.call('GET', `${scoped}&sort=time:asc`))).toEqual(published.map((e) => e.id));
    expect(ids(await t.call('GET', `${scoped}&sort=seq:asc`))).toEqual(published.map((e) => e.id));

    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await t.call('GET', `/v1/events?format=json&subjectId=${subject.id}&since=${encodeURIComponent(future)}`);
    expect(none.body.meta.total).toBe(0);
    const until = await t.call(
      'GET',
      `/v1/events?format=json&subjectId=${subject.id}&until=${encodeURIComponent(published[1]!.time)}&since=${encodeURIComponent(published[0]!.time)}`,
    );
    expect(until.body.data.map((e: { id: string }) => e.id)).toEqual(
      published
        .filter((e) => e.time <= published[1]!.time)
        .map((e) => e.id)
        .reverse(),
    );
  });

  it('refuses bad filters in the error envelope', async () => {
    const bad = async (query: string, headers: Record<string, string> = {}) => {
      const res = await t.call('GET', `/v1/events${query}`, undefined, headers);
      expect(res.status, query).toBe(400);
      expect(res.body.success).toBe(false);
      expect(res.body.error).toBe('VALIDATION_ERROR');
      return res.body.message as string;
    };
    expect(await bad('?types=vm.status_changed,vm.exploded')).toContain('"vm.exploded"');
    expect(await bad('?types=,')).toContain('query.types');
    expect(await bad('?subjectId=not-a-uuid')).toContain('subjectId');
    expect(await bad('?lastEventId=42')).toContain('lastEventId');
    expect(await bad('', { 'Last-Event-ID': '42' })).toContain('last-event-id');
    expect(await bad('?since=yesterday&format=json')).toContain('since');
    expect(await bad('?format=xml')).toContain('format');
    expect(await bad('?since=2026-01-01T00:00:00Z')).toContain('format=json');
    expect(await bad('?page=2')).toContain('query.page applies to format=json');
    expect(await bad('?format=json&limit=1000')).toContain('limit');
    expect(await bad('?format=json&sort=name:asc')).toContain('cannot sort by "name"');
    expect(await bad('?format=json&sort=time:asc,createdAt:desc')).toContain('the same field');
    expect(await bad('?sort=time:asc')).toContain('query.sort applies to format=json');
    expect(await bad('?format=json&since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z')).toContain('since');
    const noKey = await fetch(`${t.url}/v1/events`);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: string }).error).toBe('UNAUTHORIZED');
  });

  it('sends heartbeats', async () => {
    const stream = await sse();
    await new Promise((r) => setTimeout(r, 700));
    expect(stream.comments.filter((c) => c.trim() === 'heartbeat').length).toBeGreaterThanOrEqual(2);
  });

  it('lets go of a subscriber when its client disconnects', async () => {
    const hub = t.app.runtime.events as unknown as { subscribers: Set<unknown> };
    const before = hub.subscribers.size;
    const stream = await sse();
    await new Promise((r) => setTimeout(r, 100));
    expect(hub.subscribers.size).toBe(before + 1);
    stream.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.subscribers.size).toBe(before);
  });
});
