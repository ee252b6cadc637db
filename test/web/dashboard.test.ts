import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, Offer } from '../../src/contract/catalog.ts';
import type { VolumeOption } from '../../src/contract/volumes.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openPage, screenshotDir } from './browser.ts';

/** Generous: two cores shared with other suites, and VM boots run through the job worker and the simulators. */
const SLOW = { timeout: 45_000 };

describe('web dashboard in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let shots: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp({ transitionMs: 300 }), launchBrowser()]);
    shots = screenshotDir();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(() => {
    expect(pageErrors, 'uncaught errors in the dashboard').toEqual([]);
  });

  const signedIn = async (path = '/vms'): Promise<Page> => {
    const page = await openPage(browser, pageErrors);
    await page.goto(`${app.url}${path}#key=${app.adminKey}`);
    return page;
  };

  it('signs in from the #key= link, signs out, refuses a bad key and accepts a good one', async () => {
    const page = await signedIn();
    await expect(page.getByRole('heading', { name: 'GPU VMs' }).waitFor(SLOW)).resolves.toBeUndefined();
    // The key leaves the address bar at once and lives in localStorage.
    expect(page.url()).toBe(`${app.url}/vms`);
    expect(await page.evaluate(() => localStorage.getItem('gpufleet.apiKey'))).toBe(app.adminKey);

    await page.getByRole('button', { name: 'Log out' }).click();
    const keyInput = page.getByLabel('API key');
    await keyInput.waitFor();
    expect(await page.evaluate(() => localStorage.getItem('gpufleet.apiKey'))).toBeNull();

    await keyInput.fill('gf_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/This API key was not accepted[\s\S]*UNAUTHORIZED[\s\S]*HTTP 401/);

    await keyInput.fill(app.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'GPU VMs' }).waitFor(SLOW);
    await page.close();
  });

  it('generates an SSH key, orders a VM, stops, starts and deletes it', async () => {
    const page = await signedIn('/keys');

    // Generate: the private key is shown once, with a download.
    await page.getByRole('form', { name: 'Generate a key pair' }).getByLabel('Name').fill('laptop');
    await page.getByRole('form', { name: 'Generate a key pair' }).getByLabel('Make it the default key').check();
    await page.getByRole('button', { name: 'Generate key pair' }).click();
    const secret = page.getByRole('region', { name: 'New private key' });
    await secret.waitFor(SLOW);
    expect(await secret.textContent()).toMatch(/shown only this once/);
    expect(await secret.getByLabel('Private key').textContent()).toContain('BEGIN OPENSSH PRIVATE KEY');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      secret.getByRole('button', { name: 'Download private key' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('id_ed25519_laptop');
    await secret.getByRole('button', { name: 'I have saved it' }).click();
    await secret.waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('cell', { name: /laptop/ }).waitFor(SLOW);
    expect(await page.getByText('BEGIN OPENSSH PRIVATE KEY').count()).toBe(0);
    expect(await page.getByRole('row', { name: /laptop/ }).textContent()).toContain('Default');

    // Order a Verda VM (Verda keeps billing stopped VMs, so stopping must warn) from the inventory form.
    const choice = await verdaChoice(app);
    await page.getByRole('link', { name: 'Order', exact: true }).click();
    await page.getByLabel('GPU series').selectOption(choice.seriesId, SLOW);
    await page.getByLabel('Datacenter').selectOption(choice.datacenterId);
    await page.getByLabel('GPU count').selectOption(String(choice.count));
    await page.locator(`input[type=radio][value="${choice.skuCode}"]`).check();
    await page.getByLabel('Name', { exact: true }).fill('web-e2e');
    expect(await page.getByLabel('SSH key').inputValue()).not.toBe('');
    await page.getByRole('button', { name: 'Order VM' }).click();

    // The VM page follows the create job until the VM runs with an IP.
    await page.waitForURL(/\/vms\/[0-9a-f-]{36}/, SLOW);
    await page.getByRole('region', { name: /Creating web-e2e/ }).waitFor(SLOW);
    const head = page.locator('.page-head');
    await head.getByText('Running', { exact: true }).waitFor(SLOW);
    const sshLine = page.locator('code.command');
    await sshLine.waitFor(SLOW);
    expect(await sshLine.textContent()).toMatch(/^ssh -p \d+ \S+@\d+\.\d+\.\d+\.\d+$/);
    await page.getByText('Verda keeps billing this VM while it is stopped').waitFor();
    // Times carry their time zone.
    const created = page.locator('dt', { hasText: /^Created$/ }).locator('xpath=following-sibling::dd[1]');
    expect(await created.textContent()).toMatch(/\d:\d\d:\d\d.*\s(UTC|GMT[+-]?[\d:]*|[A-Z]{2,5})$/);
    await page.screenshot({ path: join(shots, 'vm-detail.png'), fullPage: true });
    const vmPath = new URL(page.url()).pathname;

    await page.getByRole('link', { name: '← All VMs' }).click();
    const row = page.getByRole('row', { name: /web-e2e/ });
    await row.waitFor(SLOW);
    expect(await row.textContent()).toMatch(/Running[\s\S]*Verda/);
    await page.screenshot({ path: join(shots, 'vm-list.png'), fullPage: true });
    await row.getByRole('link', { name: 'web-e2e' }).click();
    await page.waitForURL(`**${vmPath}`);

    // Stop asks first, saying the provider still charges for a stopped VM; then the API's billing warning is shown.
    await head.getByRole('button', { name: 'Stop', exact: true }).click(SLOW);
    const stopDialog = page.getByRole('dialog', { name: 'Stop web-e2e?' });
    await stopDialog.getByText(/still charges for it while it is stopped/).waitFor(SLOW);
    await stopDialog.getByRole('button', { name: 'Stop VM' }).click();
    await page.getByText(/keeps billing a stopped VM/).waitFor(SLOW);
    await head.getByText('Stopped', { exact: true }).waitFor(SLOW);

    await head.getByRole('button', { name: 'Start', exact: true }).click(SLOW);
    await head.getByText('Running', { exact: true }).waitFor(SLOW);

    // Delete needs the VM's name typed in.
    await head.getByRole('button', { name: 'Delete', exact: true }).click(SLOW);
    const dialog = page.getByRole('dialog', { name: 'Delete web-e2e?' });
    const confirm = dialog.getByRole('button', { name: 'Delete VM' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('VM name').fill('web-e2');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('VM name').fill('web-e2e');
    await confirm.click();
    await page.getByText('web-e2e was deleted.').waitFor(SLOW);
    expect(page.url()).toBe(`${app.url}/vms`);
    await page.getByText('No GPU VMs yet.').waitFor(SLOW);
    await page.close();
  }, 180_000);

  it('saves a startup script, orders a VM that runs it with env, a secret and a port, and shows the endpoint', async () => {
    await app.call('POST', '/v1/resource/ssh-keys/generate', { name: 'web-workload', isDefault: true });
    const page = await signedIn('/scripts');
    const form = page.getByRole('form', { name: 'Save a startup script' });
    await form.getByLabel('Name').fill('web-setup');
    await form.getByLabel('Script').fill('#!/bin/bash\necho hello > /tmp/hello\n');
    await page.getByRole('button', { name: 'Save script' }).click();
    await page.getByText('Saved the startup script web-setup (36 bytes).').waitFor(SLOW);
    expect(await page.getByRole('row', { name: /web-setup/ }).textContent()).toMatch(/36 bytes/);

    const choice = await verdaChoice(app);
    await page.getByRole('link', { name: 'Order', exact: true }).click();
    await page.getByLabel('GPU series').selectOption(choice.seriesId, SLOW);
    await page.getByLabel('Datacenter').selectOption(choice.datacenterId);
    await page.getByLabel('GPU count').selectOption(String(choice.count));
    await page.locator(`input[type=radio][value="${choice.skuCode}"]`).check();
    await page.getByLabel('Name', { exact: true }).fill('web-workload');
    expect(await page.getByLabel('Image', { exact: true }).locator('option').allTextContents()).toContain(
      'ubuntu-24.04-cuda — verda',
    );
    await page.getByText('Workload: container image, template, startup script, environment, ports').click();
    const scriptId = (await app.call('GET', '/v1/resource/startup-scripts?search=web-setup')).body.data[0].id;
    await page.getByLabel('Startup script').selectOption(scriptId);
    // A malformed line is caught before anything is sent.
    await page.getByLabel('Environment', { exact: true }).fill('not a pair');
    await page.getByRole('button', { name: 'Order VM' }).click();
    await page.getByText(/Environment lines are NAME=value/).waitFor(SLOW);
    await page.getByLabel('Environment', { exact: true }).fill('MODEL=llama-3');
    await page.getByLabel('Secret environment').fill('HF_TOKEN=hf_web_secret');
    await page.getByLabel('Ports to expose').fill('6006/http');
    await page.getByRole('button', { name: 'Order VM' }).click();

    await page.waitForURL(/\/vms\/[0-9a-f-]{36}/, SLOW);
    const workload = page.getByRole('region', { name: 'Workload', exact: true });
    await workload.getByRole('link', { name: /http:\/\/\d+\.\d+\.\d+\.\d+:6006/ }).waitFor(SLOW);
    const text = await workload.textContent();
    expect(text).toMatch(/web-setup \(36 bytes\)/);
    expect(text).toMatch(/MODEL=llama-3/);
    expect(text).toMatch(/HF_TOKEN\s*secret/);
    expect(await page.content()).not.toContain('hf_web_secret');
    await page.screenshot({ path: join(shots, 'vm-workload.png'), fullPage: true });

    const vmId = new URL(page.url()).pathname.split('/').at(-1);
    await app.call('DELETE', `/v1/resource/gpu/${vmId}`);
    await page.close();
  }, 180_000);

  it('creates a RunPod volume, grows and renames it, orders a pod with it, and shows it on the VM page', async () => {
    await app.call('POST', '/v1/resource/ssh-keys/generate', { name: 'web-volumes', isDefault: true });
    const choice = await volumeChoice(app, 'runpod');
    const page = await signedIn('/vms');
    await page.getByRole('link', { name: 'Volumes', exact: true }).click();
    await page.getByRole('heading', { name: 'Volumes', exact: true }).waitFor(SLOW);

    // The create form follows the chosen datacenter's options: its types and its size range.
    const form = page.getByRole('form', { name: 'Create a volume' });
    await form.getByLabel('Datacenter').selectOption(choice.datacenterId, SLOW);
    expect(await form.getByLabel('Type').locator('option').allTextContents()).toEqual(['network (default)']);
    expect(await form.getByText('Between 10 and 4000 GB').count()).toBe(1);
    expect(await form.textContent()).toMatch(/RunPod network volumes are attached only when a VM is ordered with it/);
    await form.getByLabel('Name').fill('web-data');
    await form.getByLabel('Size (GB)').fill('20');
    await page.getByRole('button', { name: 'Create volume' }).click();
    await page.getByText(/Creating the volume web-data \(20 GB network in .*\)/).waitFor(SLOW);
    const row = page.getByRole('row', { name: /web-data/ });
    await row.getByText('Available', { exact: true }).waitFor(SLOW);
    expect(await row.textContent()).toMatch(
      new RegExp(`20 GB[\\s\\S]*network[\\s\\S]*${literally(choice.datacenterName)}[\\s\\S]*\\$[\\d.]+ per GB-month`),
    );

    // Grow (RunPod resizes), then rename.
    await row.getByRole('button', { name: 'Grow' }).click();
    const grow = page.getByRole('dialog', { name: 'Grow the volume web-data' });
    await grow.getByLabel('New size (GB)').fill('30');
    await grow.getByRole('button', { name: 'Grow' }).click();
    await page.getByText('Growing the volume web-data to 30 GB.').waitFor(SLOW);
    await row.getByText('30 GB', { exact: true }).waitFor(SLOW);
    await row.getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename the volume web-data' });
    await rename.getByLabel('New name').fill('web-datasets');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('Renamed the volume web-data to web-datasets.').waitFor(SLOW);
    const renamed = page.getByRole('row', { name: /web-datasets/ });
    await renamed.getByText('Available', { exact: true }).waitFor(SLOW);
    await page.screenshot({ path: join(shots, 'volumes.png'), fullPage: true });

    // Ordering with it pins the VM to the volume's datacenter, and the form says so.
    await renamed.getByRole('link', { name: 'Order a VM with it' }).click();
    const box = page.getByRole('checkbox', { name: /web-datasets/ });
    await box.waitFor(SLOW);
    expect(await box.isChecked()).toBe(true);
    await page.getByText(`The VM is placed in ${choice.datacenterName}: the volume web-datasets lives there`).waitFor();
    await page.getByLabel('GPU series').selectOption(choice.seriesId);
    expect(await page.getByLabel('Datacenter').locator('option').count()).toBe(1);
    expect(await page.getByLabel('Datacenter').inputValue()).toBe(choice.datacenterId);
    await page.getByLabel('GPU count').selectOption(String(choice.count));
    // Community Cloud pods cannot take a network volume: only Secure Cloud machines are offered.
    expect(await page.locator('input[type=radio][value*=".community-"]').count()).toBe(0);
    await page
      .getByText(/Only machines that can take volumes are offered in .*; \d+ other machine types? there cannot\./)
      .waitFor();
    await page.locator(`input[type=radio][value="${choice.skuCode}"]`).check();
    await page.getByLabel('Name', { exact: true }).fill('web-volume-pod');
    await page.screenshot({ path: join(shots, 'order-volume.png'), fullPage: true });
    await page.getByRole('button', { name: 'Order VM' }).click();

    // The VM page lists the volume with where it shows up; RunPod attaches only at create, and says so.
    await page.waitForURL(/\/vms\/[0-9a-f-]{36}/, SLOW);
    const vmId = new URL(page.url()).pathname.split('/').at(-1) as string;
    const volumes = page.getByRole('region', { name: 'Volumes', exact: true });
    const attachedRow = volumes.getByRole('row', { name: /web-datasets/ });
    await attachedRow.waitFor(SLOW);
    expect(await attachedRow.textContent()).toMatch(/30 GB[\s\S]*network[\s\S]*\/workspace/);
    expect(await volumes.getByRole('button', { name: 'Attach a volume' }).isDisabled()).toBe(true);
    expect(await volumes.getByRole('button', { name: 'Detach web-datasets' }).isDisabled()).toBe(true);
    expect(await volumes.textContent()).toContain('RunPod attaches a network volume only when a VM is ordered with it');
    await page.locator('.page-head').getByText('Running', { exact: true }).waitFor(SLOW);
    await page.screenshot({ path: join(shots, 'vm-volumes.png'), fullPage: true });

    // Deleting a volume a VM uses is refused, and the dialog shows the API's answer.
    await page.getByRole('link', { name: 'Volumes', exact: true }).click();
    const inUse = page.getByRole('row', { name: /web-datasets/ });
    await inUse.getByRole('link', { name: 'web-volume-pod' }).waitFor(SLOW);
    await inUse.getByRole('button', { name: 'Delete' }).click();
    const refuse = page.getByRole('dialog', { name: 'Delete the volume web-datasets?' });
    await refuse.getByLabel('Volume name').fill('web-datasets');
    await refuse.getByRole('button', { name: 'Delete volume' }).click();
    const alert = refuse.getByRole('alert');
    await alert.waitFor(SLOW);
    expect(await alert.textContent()).toMatch(/attached to web-volume-pod[\s\S]*VOLUME_ATTACHED[\s\S]*HTTP 409/);
    await refuse.getByRole('button', { name: 'Cancel' }).click();

    // Once the pod is gone the volume is kept, and can be deleted.
    expect((await app.call('DELETE', `/v1/resource/gpu/${vmId}`)).status).toBe(202);
    await eventually(
      async () =>
        (await app.call('GET', `/v1/resource/volumes?search=web-datasets`)).body.data[0]?.attachedTo.length === 0
          ? true
          : undefined,
      'the volume to be detached from the deleted pod',
      60_000,
    );
    await page.reload();
    await page
      .getByRole('row', { name: /web-datasets/ })
      .getByRole('button', { name: 'Delete' })
      .click(SLOW);
    const confirm = page.getByRole('dialog', { name: 'Delete the volume web-datasets?' });
    await confirm.getByLabel('Volume name').fill('web-datasets');
    await confirm.getByRole('button', { name: 'Delete volume' }).click();
    await page.getByText(/(Deleting|Deleted) the volume web-datasets/).waitFor(SLOW);
    await page.getByText('No volumes yet.', { exact: false }).waitFor(SLOW);
    await page.getByLabel('Show deleted volumes').check();
    await page
      .getByRole('row', { name: /web-datasets/ })
      .getByText('Deleted', { exact: true })
      .waitFor(SLOW);
    await page.close();
  }, 240_000);

  it('orders a Verda VM with a block volume, then detaches it and attaches another once the VM is stopped', async () => {
    await app.call('POST', '/v1/resource/ssh-keys/generate', { name: 'web-block', isDefault: true });
    const choice = await volumeChoice(app, 'verda');
    const page = await signedIn('/volumes');
    const form = page.getByRole('form', { name: 'Create a volume' });
    await form.getByLabel('Datacenter').selectOption(choice.datacenterId, SLOW);
    expect(await form.getByLabel('Type').locator('option').allTextContents()).toEqual(['NVMe (default)', 'HDD']);
    expect(await form.textContent()).toMatch(/Verda block volumes are attached to and detached from stopped VMs/);
    for (const name of ['web-block', 'web-spare']) {
      await form.getByLabel('Name').fill(name);
      await form.getByLabel('Size (GB)').fill('50');
      await page.getByRole('button', { name: 'Create volume' }).click();
      await page
        .getByRole('row', { name: new RegExp(name) })
        .getByText('Available', { exact: true })
        .waitFor(SLOW);
    }

    // Choosing a volume in the order form narrows the datacenters to its own, and the other volume's box stays open.
    await page.getByRole('link', { name: 'Order', exact: true }).click();
    await page.getByRole('checkbox', { name: /web-block/ }).check(SLOW);
    await page.getByText(`The VM is placed in ${choice.datacenterName}`).waitFor();
    await page.getByLabel('GPU series').selectOption(choice.seriesId);
    expect(await page.getByLabel('Datacenter').inputValue()).toBe(choice.datacenterId);
    await page.getByLabel('GPU count').selectOption(String(choice.count));
    await page.locator(`input[type=radio][value="${choice.skuCode}"]`).check();
    await page.getByLabel('Name', { exact: true }).fill('web-block-vm');
    await page.getByRole('button', { name: 'Order VM' }).click();
    await page.waitForURL(/\/vms\/[0-9a-f-]{36}/, SLOW);
    const vmId = new URL(page.url()).pathname.split('/').at(-1) as string;

    const head = page.locator('.page-head');
    const volumes = page.getByRole('region', { name: 'Volumes', exact: true });
    await head.getByText('Running', { exact: true }).waitFor(SLOW);
    await volumes
      .getByRole('row', { name: /web-block/ })
      .getByText('Attached', { exact: true })
      .waitFor(SLOW);
    expect(await volumes.textContent()).toMatch(/\/dev\/vdb/);
    // Running: Verda needs the VM stopped, and the card says so next to the disabled buttons.
    expect(await volumes.getByRole('button', { name: 'Detach web-block' }).isDisabled()).toBe(true);
    expect(await volumes.getByRole('button', { name: 'Attach a volume' }).isDisabled()).toBe(true);
    expect(await volumes.textContent()).toContain(
      'Stop the VM first: Verda attaches and detaches volumes only while the VM is stopped.',
    );

    await head.getByRole('button', { name: 'Stop', exact: true }).click(SLOW);
    await page.getByRole('dialog', { name: 'Stop web-block-vm?' }).getByRole('button', { name: 'Stop VM' }).click();
    await head.getByText('Stopped', { exact: true }).waitFor(SLOW);
    const detach = volumes.getByRole('button', { name: 'Detach web-block' });
    await page.waitForFunction(
      () => {
        const button = document.querySelector<HTMLButtonElement>('[aria-label="Detach web-block"]');
        return button !== null && !button.disabled;
      },
      null,
      SLOW,
    );
    await detach.click();
    await page
      .getByRole('dialog', { name: 'Detach web-block from web-block-vm?' })
      .getByRole('button', { name: 'Detach' })
      .click();
    await page.getByText('Detaching web-block from web-block-vm; the volume is kept.').waitFor(SLOW);
    await volumes.getByText('No volumes attached.').waitFor(SLOW);

    await volumes.getByRole('button', { name: 'Attach a volume' }).click();
    const attach = page.getByRole('dialog', { name: 'Attach a volume to web-block-vm' });
    const spareId = (await app.call('GET', '/v1/resource/volumes?search=web-spare')).body.data[0].id;
    await attach.getByLabel('Volume').selectOption(spareId, SLOW);
    await attach.getByRole('button', { name: 'Attach' }).click();
    await page.getByText(/Attaching web-spare to web-block-vm\. On the machine: an unformatted block device/).waitFor(SLOW);
    await volumes
      .getByRole('row', { name: /web-spare/ })
      .getByText('Attached', { exact: true })
      .waitFor(SLOW);
    await page.screenshot({ path: join(shots, 'vm-volume-attach.png'), fullPage: true });

    await app.call('DELETE', `/v1/resource/gpu/${vmId}`);
    await page.close();
  }, 240_000);

  it('orders a RunPod pod with a container image, a template and only a generated key pair, shows them and downloads the key', async () => {
    // A library key exists, so choosing none of them is a choice the form has to offer.
    await app.call('POST', '/v1/resource/ssh-keys/generate', { name: 'web-pod-laptop', isDefault: true });
    const page = await signedIn('/vms/new');
    const pick = async (choice: Choice) => {
      await page.getByLabel('GPU series').selectOption(choice.seriesId, SLOW);
      await page.getByLabel('Datacenter').selectOption(choice.datacenterId);
      await page.getByLabel('GPU count').selectOption(String(choice.count));
      await page.locator(`input[type=radio][value="${choice.skuCode}"]`).check();
    };
    const image = 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime';

    // A container image on a VM offer is refused by the API, naming the field.
    await pick(await choiceOf(app, 'verda'));
    await page.getByLabel('Name', { exact: true }).fill('web-pod');
    await page.getByText('Workload: container image, template, startup script, environment, ports').click();
    await page.getByLabel('Container image').fill(image);
    expect(await page.getByLabel('Container image').getAttribute('aria-describedby')).toBeTruthy();
    await page.getByText(/Only for container offers \(RunPod pods\): runs this image/).waitFor();
    await page.getByRole('button', { name: 'Order VM' }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor(SLOW);
    expect(await refused.textContent()).toMatch(/“Container image”: verda runs full VMs[\s\S]*CONTAINER_IMAGE_ON_VM/);

    // On a RunPod offer, with a template, and the generated pair as the only key.
    await pick(await choiceOf(app, 'runpod'));
    await page.getByLabel('Template').fill('runpod-torch-v240');
    await page.getByLabel('Generate a key pair for this VM').check();
    await page.getByLabel('SSH key').selectOption({ label: 'None: only the generated key pair' });
    await page.screenshot({ path: join(shots, 'order-container.png'), fullPage: true });
    await page.getByRole('button', { name: 'Order VM' }).click();

    await page.waitForURL(/\/vms\/[0-9a-f-]{36}/, SLOW);
    await page.getByText(/Download the generated private key from this page/).waitFor(SLOW);
    const vmId = new URL(page.url()).pathname.split('/').at(-1) as string;
    const vm = (await app.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
    expect(vm).toMatchObject({
      provider: 'runpod',
      image,
      templateId: 'runpod-torch-v240',
      sshKeyId: null,
      hasStoredCredentials: true,
    });
    const workload = page.getByRole('region', { name: 'Workload', exact: true });
    await workload.waitFor(SLOW);
    const text = await workload.textContent();
    expect(text).toContain(`Container image${image}`);
    expect(text).toContain('Templaterunpod-torch-v240');
    const connection = page.getByRole('region', { name: 'Connection' });
    expect(await connection.textContent()).toContain('SSH keyA key pair generated for this VM');

    // The VM page's key button downloads the very key the API stores for this VM.
    const keyButton = page.getByRole('button', { name: 'Download stored private key' });
    const [download] = await Promise.all([page.waitForEvent('download', SLOW), keyButton.click(SLOW)]);
    expect(download.suggestedFilename()).toBe('web-pod.key');
    const downloaded = readFileSync((await download.path()) as string, 'utf8');
    expect(downloaded).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(downloaded).toBe((await app.call('GET', `/v1/resource/gpu/${vmId}/ssh-key`)).body.data.privateKey);
    await page.getByText('Downloaded the private key generated for web-pod.').waitFor();
    await page.screenshot({ path: join(shots, 'vm-container.png'), fullPage: true });

    await app.call('DELETE', `/v1/resource/gpu/${vmId}`);
    await keyButton.waitFor({ state: 'detached', ...SLOW });
    await page.close();
  }, 180_000);

  it('lists offers from all three providers', async () => {
    const page = await signedIn('/offers');
    const summary = page.getByText(/\d+ offers from /);
    await summary.waitFor(SLOW);
    const text = await summary.textContent();
    for (const provider of ['Verda', 'RunPod', 'Fluidstack']) expect(text).toContain(provider);
    await page.getByRole('cell', { name: 'Container *' }).first().waitFor();
    // Narrowing to one provider shows only that provider.
    await page.getByLabel('Provider').selectOption('fluidstack');
    await page.getByText(/\d+ offers? from Fluidstack ·/).waitFor(SLOW);
    await page.close();
  });

  it('shows an API error with its message and code', async () => {
    const page = await signedIn('/vms/00000000-0000-4000-8000-00000000beef');
    const alert = page.getByRole('alert');
    await alert.waitFor(SLOW);
    const text = await alert.textContent();
    expect(text).toContain('VM not found');
    expect(text).toMatch(/NOT_FOUND[\s\S]*HTTP 404/);
    await page.close();
  });
});

/** `datacenterId|skuCode` of every offer an order with volumes can be placed on (RunPod: Secure Cloud only). */
async function takingVolumes(app: TestApp): Promise<Set<string>> {
  const offers = (await app.call('GET', '/v1/offers')).body.data.offers as Offer[];
  return new Set(offers.filter((o) => o.takesVolumes).map((o) => `${o.datacenter.id}|${o.skuCode}`));
}

/** A series, datacenter, count and SKU of the provider in a datacenter where volumes can be created, on an offer that takes them. */
async function volumeChoice(app: TestApp, provider: string) {
  const options = (await app.call('GET', '/v1/resource/volumes/options')).body.data as VolumeOption[];
  const { body } = await app.call('GET', '/v1/resource/gpu/inventory');
  const inventory = body.data as Inventory;
  const takes = await takingVolumes(app);
  for (const series of inventory.series) {
    for (const place of series.availability) {
      const option = options.find((o) => o.datacenter.id === place.datacenterId && o.provider === provider);
      if (!option) continue;
      for (const count of place.gpuCounts) {
        const sku = count.availableSkus.find((s) => s.provider === provider && takes.has(`${place.datacenterId}|${s.skuCode}`));
        if (sku)
          return {
            seriesId: series.id,
            datacenterId: place.datacenterId,
            datacenterName: option.datacenter.name,
            count: count.count,
            skuCode: sku.skuCode,
            option,
          };
      }
    }
  }
  throw new Error(`the simulated inventory has no ${provider} capacity where volumes can be created`);
}

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Choice {
  seriesId: string;
  datacenterId: string;
  count: number;
  skuCode: string;
}

/** A series, datacenter, count and SKU of the live inventory that Verda serves. */
function verdaChoice(app: TestApp): Promise<Choice> {
  return choiceOf(app, 'verda');
}

/** A series, datacenter, count and SKU of the live inventory that `provider` serves. */
async function choiceOf(app: TestApp, provider: string): Promise<Choice> {
  const { body } = await app.call('GET', '/v1/resource/gpu/inventory');
  const inventory = body.data as Inventory;
  for (const series of inventory.series) {
    for (const place of series.availability) {
      for (const count of place.gpuCounts) {
        const sku = count.availableSkus.find((s) => s.provider === provider);
        if (sku) return { seriesId: series.id, datacenterId: place.datacenterId, count: count.count, skuCode: sku.skuCode };
      }
    }
  }
  throw new Error(`the simulated inventory has no ${provider} capacity`);
}
