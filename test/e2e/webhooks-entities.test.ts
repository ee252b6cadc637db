import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENTITY_ID } from '../../src/core/domain/types.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { keyOfAnotherEntity } from '../support/entities.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { type Receiver, startWebhookReceiver } from '../support/webhook-receiver.ts';

/** Webhooks belong to an entity: another entity cannot see, change or detect them, nor hear its events. */
describe.each(STORE_KINDS)('webhooks across entities (%s)', (store) => {
  let t: TestApp;
  let mine: Receiver;
  let theirs: Receiver;
  let otherKey: string;
  const otherEntity = randomUUID();

  beforeAll(async () => {
    t = await startTestApp({ web: false, store });
    [mine, theirs] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
    otherKey = await keyOfAnotherEntity(t.app.store.db, otherEntity);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([mine?.close(), theirs?.close()]);
  });

  const asOther = (method: string, path: string, body?: unknown) => t.call(method, path, body, { 'X-API-Key': otherKey });

  it("answers 404 for another entity's webhook on every route, and lists none of them", async () => {
    const created = await t.call('POST', '/v1/webhooks', { url: `${mine.url}/a`, events: ['vm.updated', 'webhook.test'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.data.id as string;
    const test = await t.call('POST', `/v1/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    const deliveryId = test.body.data.id as string;

    const listed = await asOther('GET', '/v1/webhooks');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([]);
    expect(listed.body.meta.total).toBe(0);
    const routes: [string, string, unknown?][] = [
      ['GET', `/v1/webhooks/${id}`],
      ['PUT', `/v1/webhooks/${id}`, { description: 'taken over' }],
      ['POST', `/v1/webhooks/${id}/rotate-secret`],
      ['POST', `/v1/webhooks/${id}/test`],
      ['GET', `/v1/webhooks/${id}/deliveries`],
      ['GET', `/v1/webhooks/${id}/deliveries/${deliveryId}`],
      ['POST', `/v1/webhooks/${id}/deliveries/${deliveryId}/retry`],
      ['DELETE', `/v1/webhooks/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const res = await asOther(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body.error).toBe('NOT_FOUND');
    }
    // Nothing the other entity tried changed it.
    const after = (await t.call('GET', `/v1/webhooks/${id}`)).body.data;
    expect(after).toMatchObject({ description: '', status: 'active', secretPrefix: created.body.data.secretPrefix });
  });

  it("delivers each entity's events to its own webhooks only", async () => {
    const ours = await t.call('POST', '/v1/webhooks', { url: `${mine.url}/events`, events: ['vm.updated'] });
    const other = await asOther('POST', '/v1/webhooks', { url: `${theirs.url}/events`, events: ['vm.updated'] });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    expect(other.body.data.entityId).toBe(otherEntity);
    expect((await t.call('GET', '/v1/webhooks')).body.data.map((w: { id: string }) => w.id)).not.toContain(other.body.data.id);

    const ourEvent = await t.app.events.publish({
      type: 'vm.updated',
      entityId: DEFAULT_ENTITY_ID,
      subject: { kind: 'vm', id: randomUUID() },
      data: { who: 'us' },
    });
    const theirEvent = await t.app.events.publish({
      type: 'vm.updated',
      entityId: otherEntity,
      subject: { kind: 'vm', id: randomUUID() },
      data: { who: 'them' },
    });
    const idsAt = (r: Receiver) => r.received.map((d) => String(d.headers['webhook-id']));
    await eventually(
      async () => (idsAt(mine).includes(ourEvent.id) && idsAt(theirs).includes(theirEvent.id)) || undefined,
      'both deliveries',
    );
    expect(idsAt(mine)).not.toContain(theirEvent.id);
    expect(idsAt(theirs)).not.toContain(ourEvent.id);
    expect(ours.status).toBe(201);

    const theirDeliveries = (await asOther('GET', `/v1/webhooks/${other.body.data.id}/deliveries`)).body.data;
    expect(theirDeliveries.map((d: { eventId: string }) => d.eventId)).toEqual([theirEvent.id]);
  });
});
