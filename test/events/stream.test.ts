import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogIds, newSshKey } from '../e2e/helpers.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
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

  it('sends heartbeats', async () => {
    const stream = await sse();
    await new Promise((r) => setTimeout(r, 700));
    expect(stream.comments.filter((c) => c.trim() === 'heartbeat').length).toBeGreaterThanOrEqual(2);
  });
});
