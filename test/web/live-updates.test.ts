import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformEvent } from '../../src/contract/events.ts';
import { catalogIds, newSshKey } from '../e2e/helpers.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openPage } from './browser.ts';

/** Generous: two cores shared with other suites. */
const SLOW = { timeout: 45_000 };
/** The goal is a second; a loaded machine (a browser, a server and simulators on two shared cores) gets some slack. */
const ON_SCREEN_WITHIN_MS = 2_000;

/** The dashboard follows the event stream: statuses appear as the server learns them, and polling covers a lost stream. */
describe('live dashboard updates in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let order: (name: string) => Promise<{ vmId: string; jobId: string }>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Slow simulated transitions, so Provisioning stays on screen long enough to be seen.
    [app, browser] = await Promise.all([startTestApp({ transitionMs: 1_500 }), launchBrowser()]);
    const { seriesId, datacenterId } = await catalogIds(app, 'h100_series', 'verda-fin-01');
    const sshKeyId = await newSshKey(app, 'live-key');
    order = async (name) => {
      const res = await app.call('POST', '/v1/resource/gpu', { name, seriesId, datacenterId, gpuCount: 1, sshKeyId });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return { vmId: res.body.data.resourceId, jobId: res.body.data.jobId };
    };
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(() => {
    expect(pageErrors, 'uncaught errors in the dashboard').toEqual([]);
  });

  const signedIn = async (path: string): Promise<Page> => {
    const page = await openPage(browser, pageErrors);
    // The stream's requests, to check that the key never travels in an address.
    page.on('request', (request) => {
      if (request.url().includes('/v1/events')) streamUrls.push(request.url());
    });
    await page.goto(`${app.url}${path}#key=${app.adminKey}`);
    return page;
  };
  const streamUrls: string[] = [];
  const indicator = (page: Page) => page.getByRole('status', { name: 'Updates' });

  /** Records, in the page, when each status first shows in the row of `name` (the browser's clock is the test's). */
  const watchStatuses = (page: Page, name: string, where = 'tr') =>
    page.evaluate(
      ([vmName, selector]) => {
        const seen: Record<string, number> = {};
        (window as unknown as { seenStatuses: Record<string, number> }).seenStatuses = seen;
        const check = () => {
          for (const row of document.querySelectorAll(selector)) {
            if (!row.textContent?.includes(vmName)) continue;
            for (const status of ['Provisioning', 'Running', 'Stopping', 'Stopped']) {
              if (seen[status] === undefined && row.textContent.includes(status)) seen[status] = Date.now();
            }
          }
        };
        new MutationObserver(check).observe(document.body, { childList: true, subtree: true, characterData: true });
        check();
      },
      [name, where] as const,
    );
  const seenStatuses = (page: Page) =>
    page.evaluate(() => (window as unknown as { seenStatuses: Record<string, number> }).seenStatuses);

  /** When the server published the VM's change to `to`. */
  const statusEventTime = (vmId: string, to: string) =>
    eventually(async () => {
      const res = await app.call('GET', `/v1/events?format=json&types=vm.status_changed&subjectId=${vmId}&limit=100`);
      const event = (res.body.data as PlatformEvent[]).find((e) => e.data.to === to);
      return event ? Date.parse(event.time) : undefined;
    }, `vm.status_changed to ${to}`);

  it('shows a new VM as Provisioning, then Running, within a second of the server learning it, without a reload', async () => {
    const page = await signedIn('/vms');
    await page.getByRole('heading', { name: 'GPU VMs' }).waitFor(SLOW);
    await indicator(page).getByText('Live').waitFor(SLOW);
    await watchStatuses(page, 'live-vm');
    const loads = await page.evaluate(() => performance.getEntriesByType('navigation').length);

    const { vmId } = await order('live-vm');
    const row = page.getByRole('row', { name: /live-vm/ });
    await row.getByText('Provisioning').waitFor(SLOW);
    await row.getByText('Running').waitFor(SLOW);

    const seen = await seenStatuses(page);
    const runningAt = await statusEventTime(vmId, 'Running');
    const lag = seen.Running! - runningAt;
    console.log(`Running on screen ${lag} ms after the server learned it`);
    expect(seen.Provisioning).toBeLessThan(seen.Running!);
    expect(lag).toBeLessThan(ON_SCREEN_WITHIN_MS);
    // No reload happened, and the key never went into an address.
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(loads);
    expect(streamUrls.length).toBeGreaterThan(0);
    for (const url of streamUrls) expect(url).not.toContain(app.adminKey);

    // The VM's own page follows it too: a stop shows as Stopping, then Stopped, as the server learns it.
    await row.getByRole('link', { name: 'live-vm' }).click();
    const head = page.locator('.page-head');
    await head.getByText('Running', { exact: true }).waitFor(SLOW);
    await watchStatuses(page, 'live-vm', '.page-head');
    expect((await app.call('POST', `/v1/resource/gpu/${vmId}/stop`)).status).toBe(202);
    await head.getByText('Stopped', { exact: true }).waitFor(SLOW);
    const onDetail = await seenStatuses(page);
    const stoppedLag = onDetail.Stopped! - (await statusEventTime(vmId, 'Stopped'));
    console.log(`Stopped on the VM page ${stoppedLag} ms after the server learned it`);
    expect(stoppedLag).toBeLessThan(ON_SCREEN_WITHIN_MS);
    await page.close();
  }, 60_000);

  it('falls back to polling when the stream is lost, keeps the status current, and goes live again', async () => {
    const { vmId, jobId } = await order('fallback-vm');
    await eventually(async () => {
      const res = await app.call('POST', '/v1/resource/jobs', { jobIds: [jobId] });
      return res.body.data.jobs[0]?.isCompleted ? true : undefined;
    }, 'the order to complete');
    const page = await signedIn('/vms');
    const row = page.getByRole('row', { name: /fallback-vm/ });
    await row.getByText('Running').waitFor(SLOW);
    await indicator(page).getByText('Live').waitFor(SLOW);

    // The stream breaks (new attempts refused, the open one cut); the rest of the API still answers.
    await page.route('**/v1/events**', (route) => route.abort('connectionrefused'));
    app.app.api.server.closeAllConnections();
    await indicator(page).getByText('Polling').waitFor(SLOW);

    await watchStatuses(page, 'fallback-vm');
    const stop = await app.call('POST', `/v1/resource/gpu/${vmId}/stop`);
    expect(stop.status).toBe(202);
    // Polled: within the poll rhythm (3 s), not at once.
    await row.getByText('Stopped').waitFor(SLOW);
    expect(await indicator(page).textContent()).toContain('Polling');

    await page.unroute('**/v1/events**');
    await indicator(page).getByText('Live').waitFor(SLOW);

    // Live again: the next change is on screen at once.
    await watchStatuses(page, 'fallback-vm');
    const start = await app.call('POST', `/v1/resource/gpu/${vmId}/start`);
    expect(start.status).toBe(202);
    await row.getByText('Running').waitFor(SLOW);
    const seen = await seenStatuses(page);
    const lag = seen.Running! - (await lastRunningTime(vmId));
    console.log(`Running again on screen ${lag} ms after the server learned it`);
    expect(lag).toBeLessThan(ON_SCREEN_WITHIN_MS);
    await page.close();
  }, 120_000);

  /** The newest change of the VM to Running (it ran once before the stop). */
  async function lastRunningTime(vmId: string): Promise<number> {
    return eventually(async () => {
      const res = await app.call('GET', `/v1/events?format=json&types=vm.status_changed&subjectId=${vmId}&limit=100`);
      const runs = (res.body.data as PlatformEvent[]).filter((e) => e.data.to === 'Running');
      return runs.length >= 2 ? Date.parse(runs[0]!.time) : undefined;
    }, 'the second change to Running');
  }
});
