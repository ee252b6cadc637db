import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** The system Chromium, headless, with everything that phones home turned off. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.GPUFLEET_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A fresh page (own storage) that fails the test on any uncaught error in the dashboard's code. */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}

/** Screenshots go to a temporary directory, printed once, so they can be looked at after a run. */
export function screenshotDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-web-'));
  console.log(`dashboard screenshots: ${dir}`);
  return dir;
}
