import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, Offer } from '../../src/contract/catalog.ts';
import type { VolumeOption } from '../../src/contract/volumes.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';

const configDir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-config-'));

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gpufleet.js');

/** Volumes through the CLI as a user runs it, against a real started server with the simulated clouds. */
describe('gpufleet volumes end to end', () => {
  let t: TestApp;
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
        env: {
          ...process.env,
          // A config directory of its own, never the user's.
          XDG_CONFIG_HOME: configDir,
          GPUFLEET_URL: t.url,
          GPUFLEET_API_KEY: t.adminKey,
          GPUFLEET_POLL_INTERVAL_MS: '200',
          NO_COLOR: '1',
        },
        timeout: 90_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ web: false });
    expect((await t.call('POST', '/v1/resource/ssh-keys/generate', { name: 'cli-volumes', isDefault: true })).status).toBe(201);
  });
  afterAll(async () => t?.close());

  /** A series, datacenter, GPU count and SKU of the provider where volumes can be created, on an offer that takes them. */
  async function placeOf(provider: string) {
    const options = (await t.call('GET', '/v1/resource/volumes/options')).body.data as VolumeOption[];
    const inventory = (await t.call('GET', '/v1/resource/gpu/inventory')).body.data as Inventory;
    const offers = (await t.call('GET', '/v1/offers')).body.data.offers as Offer[];
    const takes = new Set(offers.filter((o) => o.takesVolumes).map((o) => `${o.datacenter.id}|${o.skuCode}`));
    for (const series of inventory.series) {
      for (const place of series.availability) {
        const option = options.find((o) => o.datacenter.id === place.datacenterId && o.provider === provider);
        const count = place.gpuCounts.find((c) => c.count === 1);
        const sku = count?.availableSkus.find((s) => s.provider === provider && takes.has(`${place.datacenterId}|${s.skuCode}`));
        if (option && sku) return { seriesCode: series.code, datacenterCode: place.datacenterCode, skuCode: sku.skuCode, option };
      }
    }
    throw new Error(`no ${provider} capacity where volumes can be created`);
  }

  it('creates, grows and renames a RunPod volume, orders a pod with it, and deletes it once the pod is gone', async () => {
    const place = await placeOf('runpod');

    const options = await cli('volumes', 'options');
    expect(options.code, options.stderr).toBe(0);
    expect(options.stdout).toMatch(
      new RegExp(
        `${place.datacenterCode}\\s.*runpod\\s+network volume\\s+network\\s+10-4000\\s+yes\\s+yes\\s+at order only\\s+1\\s+/workspace`,
      ),
    );

    const created = await cli(
      'volumes',
      'create',
      'cli-data',
      '--size',
      '20',
      '--datacenter',
      place.datacenterCode,
      '--wait',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const volume = JSON.parse(created.stdout);
    expect(volume).toMatchObject({ name: 'cli-data', status: 'Available', sizeGB: 20, provider: 'runpod', type: 'network' });

    const list = await cli('volumes', 'ls', '--datacenter', place.datacenterCode);
    expect(list.stdout).toMatch(
      new RegExp(
        `cli-data\\s+Available\\s+20 GB\\s+network\\s+runpod\\s+${place.datacenterCode}\\s+\\$[\\d.]+\\s+\\$[\\d.]+\\s+-`,
      ),
    );
    expect((await cli('volumes', 'ls', '--provider', 'verda', '--json')).stdout).not.toContain('cli-data');

    const grown = await cli('volumes', 'resize', 'cli-data', '--size', '25', '--wait');
    expect(grown.code, grown.stderr).toBe(0);
    expect(grown.stdout.trim()).toBe('cli-data is 25 GB (Available).');
    const shrink = await cli('volumes', 'resize', 'cli-data', '--size', '15');
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toContain('(VOLUME_SHRINK)\nhint:');
    expect((await cli('volumes', 'rename', 'cli-data', 'cli-datasets')).stdout.trim()).toBe('Renamed cli-data to cli-datasets.');

    const order = await cli(
      'gpu',
      'order',
      '--name',
      'cli-pod',
      '--series',
      place.seriesCode,
      '--sku',
      place.skuCode,
      '--volume',
      'cli-datasets',
      '--wait',
      '--json',
    );
    expect(order.code, order.stderr).toBe(0);
    const pod = JSON.parse(order.stdout);
    expect(pod.datacenter.id).toBe(volume.datacenter.id);

    const shown = await cli('gpu', 'get', 'cli-pod');
    expect(shown.stdout).toMatch(
      /VOLUME\s+SIZE\s+TYPE\s+STATUS\s+ATTACHED\s+MOUNT\ncli-datasets\s+25 GB\s+network\s+Attached\s+\S+ \S+\s+\/workspace/,
    );

    // RunPod attaches network volumes only at create: the refusals say what to do instead.
    const detach = await cli('gpu', 'detach', 'cli-pod', 'cli-datasets');
    expect(detach.code).toBe(1);
    expect(detach.stderr).toContain('(ATTACH_UNSUPPORTED)\nhint: order a VM with the volume instead');
    const inUse = await cli('volumes', 'rm', 'cli-datasets', '--yes');
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain(
      '(VOLUME_ATTACHED)\nhint: runpod releases a network volume only when its VM is deleted: `gpufleet gpu rm cli-pod` keeps the volume',
    );

    expect((await cli('gpu', 'rm', 'cli-pod', '--yes', '--wait')).code).toBe(0);
    await eventually(
      async () =>
        (await t.call('GET', `/v1/resource/volumes/${volume.id}`)).body.data.attachedTo.length === 0 ? true : undefined,
      'the volume to be kept and detached',
      60_000,
    );
    const removed = await cli('volumes', 'rm', 'cli-datasets', '--yes', '--wait');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.trim()).toBe('Deleted volume cli-datasets.');
    const all = JSON.parse((await cli('volumes', 'ls', '--all', '--json')).stdout);
    expect(all.data.find((v: { id: string }) => v.id === volume.id)?.status).toBe('Deleted');
  }, 240_000);
  it('orders a Verda VM with a block volume, detaches and attaches it while stopped, and says to stop it first', async () => {
    const place = await placeOf('verda');
    const created = await cli(
      'volumes',
      'create',
      'cli-block',
      '--size',
      '50',
      '--datacenter',
      place.datacenterCode,
      '--type',
      'HDD',
      '--wait',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Creating volume cli-block (`);
    expect(created.stdout).toContain(`): 50 GB HDD in ${place.datacenterCode}\ncli-block is Available.`);
    const spare = await cli('volumes', 'create', 'cli-spare', '--size', '10', '--datacenter', place.datacenterCode, '--wait');
    expect(spare.code, spare.stderr).toBe(0);

    const order = await cli(
      'gpu',
      'order',
      '--name',
      'cli-block-vm',
      '--series',
      place.seriesCode,
      '--sku',
      place.skuCode,
      '--volume',
      'cli-block',
      '--wait',
    );
    expect(order.code, order.stderr).toBe(0);
    expect((await cli('gpu', 'get', 'cli-block-vm')).stdout).toMatch(/cli-block\s+50 GB\s+HDD\s+Attached\s+.*\/dev\/vdb/);

    // Verda attaches and detaches only while the instance is shut down.
    const running = await cli('gpu', 'attach', 'cli-block-vm', 'cli-spare');
    expect(running.code).toBe(1);
    expect(running.stderr).toContain(
      '(VM_NOT_STOPPED)\nhint: stop it first: `gpufleet gpu stop cli-block-vm --wait`, then try again',
    );
    const attached = await cli('volumes', 'rm', 'cli-block', '--yes');
    expect(attached.code).toBe(1);
    expect(attached.stderr).toContain(
      'hint: detach it first with `gpufleet gpu detach cli-block-vm cli-block` (verda detaches only from a stopped VM: `gpufleet gpu stop cli-block-vm --wait` first), or delete the VM',
    );

    expect((await cli('gpu', 'stop', 'cli-block-vm', '--wait')).code).toBe(0);
    const detached = await cli('gpu', 'detach', 'cli-block-vm', 'cli-block', '--wait');
    expect(detached.code, detached.stderr).toBe(0);
    expect(detached.stdout.trim()).toBe('Detached cli-block from cli-block-vm; the volume and its data are kept.');
    const attach = await cli('gpu', 'attach', 'cli-block-vm', 'cli-spare', '--wait');
    expect(attach.code, attach.stderr).toBe(0);
    expect(attach.stdout).toContain('Attached cli-spare to cli-block-vm (Attached).\nmount: an unformatted block device');
    const vm = JSON.parse((await cli('gpu', 'get', 'cli-block-vm', '--json')).stdout);
    expect(vm.volumes.map((v: { name: string }) => v.name)).toEqual(['cli-spare']);

    expect((await cli('volumes', 'rm', 'cli-block', '--yes', '--wait')).stdout.trim()).toBe('Deleted volume cli-block.');
    const rm = await cli('gpu', 'rm', 'cli-block-vm', '--yes', '--wait');
    expect(rm.code, rm.stderr).toBe(0);
    await eventually(
      async () =>
        (await t.call('GET', '/v1/resource/volumes?search=cli-spare')).body.data[0]?.attachedTo.length === 0 ? true : undefined,
      'the spare volume to be kept past its VM',
      60_000,
    );
    expect((await cli('volumes', 'rm', 'cli-spare', '--yes', '--wait')).code).toBe(0);
  }, 240_000);
});
