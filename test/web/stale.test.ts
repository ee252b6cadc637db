import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { catalogIds, newSshKey, waitForStatus } from '../e2e/helpers.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openPage } from './browser.ts';

const SLOW = { timeout: 20_000 };

/** A VM whose provider stops answering is still shown, with a sign that says since when it was not confirmed. */
describe('stale VMs in the dashboard', () => {
  let app: TestApp;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Records older than 1 s count as stale unless the provider confirms them again.
    [app, browser] = await Promise.all([startTestApp({ transitionMs: 200, maxStalenessMs: 1_000 }), launchBrowser()]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(() => {
    expect(pageErrors, 'uncaught errors in the dashboard').toEqual([]);
  });

  const verda = () => {
    const cloud = app.app.sandbox?.clouds.find((c) => c.definition.id === 'verda');
    if (!cloud) throw new Error('no verda simulator');
    return cloud.simulator.control;
  };

  it('marks a VM the provider has not confirmed recently in the list and on its page, with its age as the title', {
    timeout: 60_000,
  }, async () => {
    const sshKeyId = await newSshKey(app);
    const ids = await catalogIds(app, 'h100_series', 'verda-fin-01');
    const fresh = await app.call('POST', '/v1/resource/gpu', { name: 'kept-fresh', ...ids, gpuCount: 1, sshKeyId });
    const order = await app.call('POST', '/v1/resource/gpu', { name: 'gone-quiet', ...ids, gpuCount: 1, sshKeyId });
    expect([fresh.status, order.status]).toEqual([202, 202]);
    const vmId = order.body.data.resourceId as string;
    await waitForStatus(app, vmId, 'Running');
    await waitForStatus(app, fresh.body.data.resourceId, 'Running');

    const page = await openPage(browser, pageErrors);
    await page.goto(`${app.url}/vms#key=${app.adminKey}`);
    const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await row('gone-quiet').getByText('Running').waitFor(SLOW);
    expect(await page.locator('.stale').count()).toBe(0);

    verda().setFaults({ errorRate: 1 });
    try {
      const stale = await eventually(async () => {
        const res = await app.call('GET', `/v1/resource/gpu/${vmId}`);
        return res.body.data.stale ? res.body.data : undefined;
      }, 'the API to mark the VM stale');
      const confirmed = new Date(stale.syncedAt).toLocaleString(undefined, { timeZoneName: 'short' });

      // Read again now (the list's own slow refresh would get there within 15 s): both VMs are at verda, so both are marked.
      await page.reload();
      const sign = row('gone-quiet').locator('.stale');
      await sign.waitFor(SLOW);
      expect(await sign.textContent()).toBe('stale');
      const title = (await sign.getAttribute('title')) ?? '';
      expect(title).toMatch(/^Not confirmed by the provider since .+ \((\d+ s ago|just now)\): shown as gpufleet last knew it$/);
      expect(title).toContain(confirmed);
      await row('gone-quiet').getByText('Running').waitFor();
      await row('kept-fresh').locator('.stale').waitFor(SLOW);

      await page.getByRole('link', { name: 'gone-quiet', exact: true }).click();
      await page.getByRole('heading', { name: 'gone-quiet' }).waitFor(SLOW);
      const headSign = page.locator('.title-row .stale');
      await headSign.waitFor(SLOW);
      expect(await headSign.getAttribute('title')).toContain(`Not confirmed by the provider since ${confirmed}`);
    } finally {
      verda().reset();
    }
    // Once the provider answers again the sign goes away.
    await eventually(async () => {
      const res = await app.call('GET', `/v1/resource/gpu/${vmId}`);
      return res.body.data.stale ? undefined : true;
    }, 'the VM to be confirmed again');
    await page.reload();
    await page.getByRole('heading', { name: 'gone-quiet' }).waitFor(SLOW);
    await page.locator('.title-row .badge').waitFor(SLOW);
    expect(await page.locator('.stale').count()).toBe(0);
    await page.close();
  });
});
