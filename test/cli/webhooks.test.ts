import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type Received, type Receiver, startWebhookReceiver, verifyDelivery } from '../support/webhook-receiver.ts';
import { runCli } from './support/fake-api.ts';

/** `gpufleet webhooks` against a real server in sandbox mode and a real receiver on loopback. */
describe('gpufleet webhooks', () => {
  let t: TestApp;
  let receiver: Receiver;
  let receiverUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ web: false });
    receiver = await startWebhookReceiver();
    receiverUrl = `${receiver.url}/hook`;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const cli = (args: string[]) => runCli(args, { url: t.url, apiKey: t.adminKey, env: { NO_COLOR: '1' } });

  it('creates a webhook, shows its secret once, and a test event arrives signed with it', async () => {
    const created = await cli([
      'webhooks',
      'create',
      receiverUrl,
      '--events',
      'vm.status_changed,vm.preempted',
      '--description',
      'on-call',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const secret = /\n {2}(whsec_\S+)\n/.exec(created.stdout)?.[1];
    expect(secret, created.stdout).toBeDefined();
    expect(created.stdout).toContain('shown only once');
    const id = /Created webhook ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;

    const listed = await cli(['webhooks', 'ls']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(receiverUrl);
    expect(listed.stdout).toContain('vm.status_changed, vm.preempted');
    expect(listed.stdout).not.toContain(secret as string);

    const shown = await cli(['webhooks', 'show', id]);
    expect(shown.stdout).toMatch(/Status:\s+active/);
    expect(shown.stdout).not.toContain(secret as string);

    const test = await cli(['webhooks', 'test', id, '--wait', '--timeout', '20']);
    expect(test.code, test.stderr + test.stdout).toBe(0);
    expect(test.stdout).toMatch(/Delivered webhook\.test .* HTTP 200/);
    const delivery = receiver.received.at(-1) as Received;
    const event = verifyDelivery(secret as string, delivery) as { type: string; subject: { id: string } };
    expect(event).toMatchObject({ type: 'webhook.test', subject: { id } });

    const deliveries = await cli(['webhooks', 'deliveries', id, '--json']);
    const rows = JSON.parse(deliveries.stdout).data as { id: string; status: string; responseCode: number }[];
    expect(rows[0]).toMatchObject({ status: 'delivered', responseCode: 200 });
    const one = await cli(['webhooks', 'delivery', id, rows[0]!.id]);
    expect(one.stdout).toMatch(/Status:\s+delivered/);
    expect(one.stdout).toMatch(/AT\s+CODE\s+ERROR\s+MS/);
  }, 60_000);

  it('rotates the secret (old and new both sign for a while), disables, enables and deletes', async () => {
    const created = await cli(['webhooks', 'create', receiverUrl, '--events', 'all', '--json']);
    const hook = JSON.parse(created.stdout) as { id: string; secret: string; events: string[] };
    expect(hook.events).toContain('webhook.test');

    const rotated = await cli(['webhooks', 'rotate-secret', hook.id, '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = JSON.parse(rotated.stdout) as { secret: string; previousSecretExpiresAt: string | null };
    expect(fresh.secret).not.toBe(hook.secret);
    expect(fresh.previousSecretExpiresAt).not.toBeNull();
    const test = await cli(['webhooks', 'test', hook.id, '--wait', '--timeout', '20']);
    expect(test.code, test.stderr).toBe(0);
    const delivery = receiver.received.at(-1) as Received;
    expect(() => verifyDelivery(fresh.secret, delivery)).not.toThrow();
    expect(() => verifyDelivery(hook.secret, delivery)).not.toThrow();

    const disabled = await cli(['webhooks', 'update', hook.id, '--disable']);
    expect(disabled.stdout).toMatch(/Status:\s+disabled/);
    const enabled = await cli(['webhooks', 'update', hook.id, '--enable', '--endpoint', `${receiverUrl}/v2`]);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(enabled.stdout).toMatch(/Status:\s+active/);
    expect(enabled.stdout).toContain(`${receiverUrl}/v2`);
    const removed = await cli(['webhooks', 'rm', hook.id]);
    expect(removed.code, removed.stderr).toBe(0);
    const gone = await cli(['webhooks', 'show', hook.id]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NOT_FOUND');
  }, 60_000);

  it('shows a receiver that refuses the test event, and catches mistakes before calling the server', async () => {
    const created = await cli(['webhooks', 'create', receiverUrl, '--events', 'webhook.test', '--json']);
    const hook = JSON.parse(created.stdout) as { id: string };
    receiver.status = 500;
    try {
      const test = await cli(['webhooks', 'test', hook.id, '--wait', '--timeout', '20']);
      expect(test.code).not.toBe(0);
      expect(test.stderr).toContain('HTTP 500');
    } finally {
      receiver.status = 200;
    }

    const unknown = await cli(['webhooks', 'create', receiverUrl, '--events', 'vm.exploded']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown event type "vm.exploded"');
    const badId = await cli(['webhooks', 'show', 'my-hook']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('is not a webhook id');
    const nothing = await cli(['webhooks', 'update', hook.id]);
    expect(nothing.code).toBe(2);
    const badUrl = await cli(['webhooks', 'create', 'ftp://example.com/x', '--events', 'vm.created']);
    expect(badUrl.code).not.toBe(0);
    expect(badUrl.stderr).toContain('INVALID_WEBHOOK_URL');
  }, 60_000);
});
