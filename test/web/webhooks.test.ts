import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { type Receiver, startWebhookReceiver, verifyDelivery } from '../support/webhook-receiver.ts';
import { launchBrowser, openPage } from './browser.ts';

const SLOW = { timeout: 45_000 };

/** The webhooks pages in Chromium, against a real server and a real receiver on loopback. */
describe('webhooks in the dashboard', () => {
  let app: TestApp;
  let browser: Browser;
  let receiver: Receiver;
  let receiverUrl: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({}), launchBrowser()]);
    receiver = await startWebhookReceiver();
    receiverUrl = `${receiver.url}/dashboard-hook`;
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await receiver?.close();
  });
  afterEach(() => {
    expect(pageErrors, 'uncaught errors in the dashboard').toEqual([]);
  });

  const signedIn = async (path: string): Promise<Page> => {
    const page = await openPage(browser, pageErrors);
    await page.goto(`${app.url}${path}#key=${app.adminKey}`);
    return page;
  };

  it('creates a webhook with a chosen set of events, shows the secret once, and a test event arrives signed', async () => {
    const page = await signedIn('/webhooks');
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor(SLOW);
    await page.getByText('No webhooks yet').waitFor(SLOW);

    const form = page.getByRole('form', { name: 'Create a webhook' });
    await form.getByLabel('Endpoint URL').fill(receiverUrl);
    await form.getByLabel('Description (optional)').fill('pager');
    // The VM status events are picked to begin with; add job failures, drop preemptions.
    await form.getByLabel('job.failed').check();
    await form.getByLabel('vm.preempted').uncheck();
    await form.getByRole('button', { name: 'Create webhook' }).click();

    const panel = page.getByRole('region', { name: 'Signing secret' });
    await panel.waitFor(SLOW);
    const secret = (await panel.getByLabel('Signing secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^whsec_/);
    const row = page.getByRole('row', { name: new RegExp(receiverUrl) });
    await row.waitFor(SLOW);
    expect(await row.textContent()).toContain('vm.status_changed, job.failed');
    expect(await row.textContent()).toContain('Active');

    const stored = (await app.call('GET', '/v1/webhooks')).body.data as { id: string; events: string[]; description: string }[];
    expect(stored[0]).toMatchObject({ events: ['vm.status_changed', 'job.failed'], description: 'pager' });

    await row.getByRole('button', { name: 'Send test' }).click();
    await page.getByText('A webhook.test event is on its way').waitFor(SLOW);
    const delivery = await eventually(
      async () => receiver.received.find((r) => r.body.includes('webhook.test')),
      'the test event',
    );
    const event = verifyDelivery(secret, delivery);
    expect(event).toMatchObject({ type: 'webhook.test', subject: { id: stored[0]!.id } });

    // Its page shows the delivery, with the receiver's answer.
    await page.getByRole('link', { name: 'Follow the delivery' }).click();
    await page.getByRole('heading', { name: 'Webhook', exact: true }).waitFor(SLOW);
    const deliveries = page.getByRole('region', { name: 'Deliveries' });
    await deliveries.getByText('Delivered · 200').waitFor(SLOW);
    expect(await page.getByRole('region', { name: 'Settings' }).textContent()).not.toContain(secret);
    await page.close();
  });

  it('shows failing attempts, sends a delivery again, disables, rotates and deletes', async () => {
    const created = await app.call('POST', '/v1/webhooks', { url: `${receiverUrl}/2`, events: ['webhook.test'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.data.id as string;
    receiver.status = 503;
    try {
      const test = await app.call('POST', `/v1/webhooks/${id}/test`);
      expect(test.status, JSON.stringify(test.body)).toBe(202);
      const page = await signedIn(`/webhooks/${id}`);
      const deliveries = page.getByRole('region', { name: 'Deliveries' });
      await deliveries.getByText('Retrying').waitFor(SLOW);
      await deliveries.getByText(/1 attempts?/).click();
      await deliveries
        .getByText(/HTTP 503/)
        .first()
        .waitFor(SLOW);

      receiver.status = 200;
      await deliveries.getByRole('button', { name: 'Send again' }).click();
      await page.getByText('queued again').waitFor(SLOW);
      await deliveries.getByText('Delivered · 200').waitFor(SLOW);

      await page.goto(`${app.url}/webhooks`);
      const row = page.getByRole('row', { name: new RegExp(`${receiverUrl}/2`) });
      await row.getByRole('button', { name: 'Disable' }).click();
      await row.getByText('Disabled').waitFor(SLOW);
      expect((await app.call('GET', `/v1/webhooks/${id}`)).body.data.status).toBe('disabled');
      await row.getByRole('button', { name: 'Enable' }).click();
      await row.getByText('Active').waitFor(SLOW);

      await row.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
      const panel = page.getByRole('region', { name: 'New signing secret' });
      await panel.waitFor(SLOW);
      expect(await panel.textContent()).toContain('The old secret also signs until');

      await row.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete webhook' }).click();
      await page.getByText(`Deleted the webhook for ${receiverUrl}/2`).waitFor(SLOW);
      expect((await app.call('GET', `/v1/webhooks/${id}`)).status).toBe(404);
      await page.close();
    } finally {
      receiver.status = 200;
    }
  });

  it('says why a URL is refused, in the form', async () => {
    const page = await signedIn('/webhooks');
    const form = page.getByRole('form', { name: 'Create a webhook' });
    await form.getByLabel('Endpoint URL').waitFor(SLOW);
    // The browser accepts ftp: as a URL; the server does not.
    await form.getByLabel('Endpoint URL').fill('ftp://example.com/hook');
    await form.getByRole('button', { name: 'Create webhook' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor(SLOW);
    expect(await alert.textContent()).toContain('INVALID_WEBHOOK_URL');
    await page.close();
  });
});
