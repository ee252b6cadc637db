import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VmStatus } from '../../core/domain/types.ts';
import type {
  CreateInstanceRequest,
  CreateVolumeRequest,
  InstanceRef,
  Provider,
  ProviderInstance,
  ProviderLogger,
  ProviderVolume,
  VolumeRef,
} from '../../core/provider/provider.ts';
import { FluidstackClient } from './client.ts';
import { fluidstack } from './index.ts';
import { resolveSettings } from './settings.ts';
import {
  FLUIDSTACK_SIM_PROJECT_ID,
  FLUIDSTACK_SIM_RESEARCH_PROJECT_ID,
  type RunningFluidstackSimulator,
  startFluidstackSimulator,
} from './simulator/index.ts';
import { authorizedKeysOf } from './user-data.ts';

const KEY_A = { name: 'a', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOa1 alice@laptop', fingerprint: 'SHA256:a' };
// A comment with YAML-significant characters must survive the cloud-config intact.
const KEY_B = { name: 'b', publicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 bob: ops #2', fingerprint: 'SHA256:b' };

describe('fluidstack adapter against its simulator', () => {
  let sim: RunningFluidstackSimulator;
  let provider: Provider;
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const calls: string[] = [];
  const logger: ProviderLogger = { info() {}, warn: (msg, fields) => warnings.push({ msg, fields }), error() {} };

  const connect = (settings: Record<string, unknown> = {}) =>
    fluidstack.connect(
      {
        accountId: randomUUID(),
        name: 'fluidstack test',
        baseUrl: sim.baseUrl,
        credentials: sim.account.credentials,
        settings: { ...sim.account.settings, ...settings },
      },
      { logger, onProviderCall: (c) => calls.push(`${c.method} ${c.route} ${c.status}`) },
    );

  const request = (overrides: Partial<CreateInstanceRequest> = {}): CreateInstanceRequest => ({
    gpufleetId: randomUUID(),
    name: 'Test VM #1',
    providerSkuId: 'h100-hgx-80gb.1x',
    locationCode: 'us-tx-1',
    gpuCount: 1,
    spot: false,
    image: 'ubuntu-24.04',
    username: null,
    sshPublicKeys: [KEY_A],
    ...overrides,
  });

  const refOf = (i: ProviderInstance): InstanceRef => ({
    providerInstanceId: i.providerInstanceId,
    providerSkuId: i.providerSkuId,
    locationCode: i.locationCode,
    gpuCount: i.gpuCount,
    spot: i.spot,
    pricePerHour: i.pricePerHour,
  });

  const waitFor = async (id: string, wanted: VmStatus, on: Provider = provider): Promise<ProviderInstance> => {
    const deadline = Date.now() + 10_000;
    let last: ProviderInstance | null = null;
    while (Date.now() < deadline) {
      last = await on.getInstance(id);
      if (last?.status === wanted) return last;
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`instance ${id} never reached ${wanted}; last ${last?.providerStatus ?? 'gone'}`);
  };

  beforeAll(async () => {
    sim = await startFluidstackSimulator({ transitionMs: 50, seed: 7 });
    provider = connect();
  });
  afterAll(async () => {
    await provider?.close();
    await sim?.close();
  });
  afterEach(async () => {
    sim.control.reset();
    // Leave no instance behind for the next test.
    for (const instance of await provider.listInstances()) {
      if (instance.providerStatus !== 'deleting') await provider.deleteInstance(refOf(instance));
    }
    const deadline = Date.now() + 10_000;
    while (sim.control.liveInstanceIds().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 30));
    // And no filesystem: each test sees only its own.
    for (const volume of (await provider.listVolumes?.()) ?? []) await provider.deleteVolume?.(volRef(volume));
  });

  const volumeRequest = (overrides: Partial<CreateVolumeRequest> = {}): CreateVolumeRequest => ({
    gpufleetId: randomUUID(),
    name: 'Training data',
    sizeGB: 512,
    locationCode: 'us-tx-1',
    type: 'virtio-fs',
    ...overrides,
  });
  const volRef = (v: ProviderVolume): VolumeRef => ({ providerVolumeId: v.providerVolumeId, locationCode: v.locationCode });
  const createVolume = async (overrides: Partial<CreateVolumeRequest> = {}): Promise<ProviderVolume> => {
    if (!provider.createVolume) throw new Error('fluidstack declares volumes but cannot create them');
    return provider.createVolume(volumeRequest(overrides));
  };
  const listedVolume = async (id: string, on: Provider = provider) =>
    (await on.listVolumes?.())?.find((v) => v.providerVolumeId === id);

  it('reports an instance that turns out-of-stock as Error with reason capacity', async () => {
    sim.control.setCapacity(false, { providerSkuId: 'h100-hgx-80gb.1x', locationCode: 'us-tx-1' });
    const offers = await provider.listOffers();
    const h100 = offers.filter((o) => o.providerSkuId === 'h100-hgx-80gb.1x' && !o.spot);
    expect(h100.find((o) => o.location.code === 'us-tx-1')?.available).toBe(false);
    expect(h100.find((o) => o.location.code === 'fr-par-1')?.available).toBe(true);

    const created = await provider.createInstance(request());
    expect(created.status).toBe('Provisioning');
    const failed = await waitFor(created.providerInstanceId, 'Error');
    expect(failed.providerStatus).toBe('out-of-stock');
    expect(failed.statusReason).toBe('capacity');
  });

  it('delivers the SSH keys as base64 cloud-config userData and tags the instance', async () => {
    const req = request({ sshPublicKeys: [KEY_A, KEY_B] });
    const mark = sim.received().length;
    const created = await provider.createInstance(req);
    const post = sim
      .received()
      .slice(mark)
      .find((r) => r.method === 'POST' && r.route === '/instances');
    const body = post?.body as { userData: string; tags: Record<string, string>; image: string; name: string };
    expect(Buffer.from(body.userData, 'base64').toString('utf8').startsWith('#cloud-config\nssh_authorized_keys:\n')).toBe(true);
    expect(authorizedKeysOf(body.userData)).toEqual([KEY_A.publicKey, KEY_B.publicKey]);
    expect(body.tags['gpufleet-id']).toBe(req.gpufleetId);
    expect(body.image).toBe('image://ubuntu24.04');
    expect(body.name).toBe('test-vm-1');
    expect(post?.projectId).toBe(FLUIDSTACK_SIM_PROJECT_ID);

    const running = await waitFor(created.providerInstanceId, 'Running');
    expect(running).toMatchObject({
      gpufleetId: req.gpufleetId,
      username: 'ubuntu',
      sshPort: 22,
      ipIsPrivate: true,
      jupyterUrl: null,
      image: 'ubuntu-24.04',
      gpuCount: 1,
      vcpu: 12,
      ramGiB: 120,
      pricePerHour: { amount: 2.1, currency: 'usd' },
    });
    expect(running.ip).toMatch(/^10\./);
  });

  it('sends every call for an instance to the region it lives in', async () => {
    const mark = sim.received().length;
    const paris = await provider.createInstance(request({ locationCode: 'fr-par-1', providerSkuId: 'l40s-pcie-48gb.1x' }));
    const texas = await provider.createInstance(request({ locationCode: 'us-tx-1' }));
    expect(paris.locationCode).toBe('fr-par-1');
    await waitFor(paris.providerInstanceId, 'Running');
    await provider.stopInstance(refOf(paris));
    await waitFor(paris.providerInstanceId, 'Stopped');
    expect(await provider.deleteInstance(refOf(paris))).toBe('accepted');

    const forParis = sim.received().filter((r) => r.url.includes(paris.providerInstanceId));
    expect(forParis.length).toBeGreaterThan(2);
    expect(new Set(forParis.map((r) => r.region))).toEqual(new Set(['fr-par-1']));
    const creates = sim
      .received()
      .slice(mark)
      .filter((r) => r.method === 'POST' && r.route === '/instances');
    expect(creates.map((r) => r.region)).toEqual(['fr-par-1', 'us-tx-1']);

    // A fresh adapter knows neither instance and finds each in its own region.
    const fresh = connect();
    expect((await fresh.getInstance(texas.providerInstanceId))?.locationCode).toBe('us-tx-1');
    const listed = await fresh.listInstances();
    expect(listed.find((i) => i.providerInstanceId === texas.providerInstanceId)?.locationCode).toBe('us-tx-1');
    await fresh.close();
  });

  it('prices offers from the price sheet and leaves unpriced ones at null', async () => {
    const offers = await provider.listOffers();
    const find = (sku: string, region: string, spot: boolean) =>
      offers.find((o) => o.providerSkuId === sku && o.location.code === region && o.spot === spot);

    expect(find('h100-hgx-80gb.1x', 'us-tx-1', false)?.pricePerHour).toEqual({ amount: 2.1, currency: 'usd' });
    expect(find('h100-hgx-80gb.1x', 'us-tx-1', true)?.pricePerHour).toEqual({ amount: 1.3, currency: 'usd' });
    // A region-specific entry beats the general one.
    expect(find('h100-hgx-80gb.8x', 'is-kef-1', false)?.pricePerHour?.amount).toBe(16);
    expect(find('h100-hgx-80gb.8x', 'us-tx-1', false)?.pricePerHour?.amount).toBe(16.8);
    expect(find('l40s-pcie-48gb.4x', 'us-tx-1', false)?.pricePerHour).toBeNull();
    expect(find('b200-hgx-180gb.8x', 'is-kef-1', true)?.pricePerHour).toBeNull();
    expect(offers.some((o) => o.providerSkuId.startsWith('cpu.'))).toBe(false);

    const h100 = find('h100-hgx-80gb.8x', 'us-tx-1', false);
    expect(h100?.gpu).toEqual({ model: 'H100', vendor: 'NVIDIA', memoryGiB: 80, count: 8, interconnect: 'SXM' });
    expect(h100).toMatchObject({ vcpu: 96, ramGiB: 960, machineKind: 'vm' });
    expect(h100?.location).toMatchObject({ countryAbbr: 'US', region: 'north-america' });
    expect(find('b200-hgx-180gb.8x', 'is-kef-1', false)?.available).toBe(false);

    const unpriced = connect({ priceSheet: [] });
    expect((await unpriced.listOffers()).every((o) => o.pricePerHour === null)).toBe(true);
    await unpriced.close();
  });

  it('creates a filesystem tagged in its name, sized in decimal GB, in the region it names', async () => {
    const req = volumeRequest({ locationCode: 'fr-par-1' });
    const mark = sim.received().length;
    const created = await createVolume(req);
    const post = sim
      .received()
      .slice(mark)
      .find((r) => r.method === 'POST' && r.route === '/filesystems');
    expect(post).toMatchObject({
      region: 'fr-par-1',
      projectId: FLUIDSTACK_SIM_PROJECT_ID,
      body: { name: `training-data-gf-${req.gpufleetId}`, size: '512G' },
    });
    const expected = {
      providerVolumeId: created.providerVolumeId,
      gpufleetId: req.gpufleetId,
      name: 'training-data',
      locationCode: 'fr-par-1',
      sizeGB: 512,
      type: 'virtio-fs',
      status: 'Available',
      providerStatus: 'listed',
      attachedInstanceIds: [],
      pricePerGBMonth: { amount: 0.07, currency: 'usd' },
      createdAt: null,
    };
    expect(created).toEqual(expected);
    // A fresh adapter finds it again by the tag alone.
    const fresh = connect();
    expect(await listedVolume(created.providerVolumeId, fresh)).toEqual(expected);
    await fresh.close();
    // Without a filesystem price sheet there is no price.
    const unpriced = connect({ filesystemPriceSheet: [] });
    expect((await listedVolume(created.providerVolumeId, unpriced))?.pricePerGBMonth).toBeNull();
    await unpriced.close();
  });

  it('lists filesystems made elsewhere as untagged volumes, their binary sizes in GB', async () => {
    const settings = resolveSettings(sim.account.settings);
    const kef = settings.regions.find((r) => r.name === 'is-kef-1');
    if (!kef) throw new Error('no is-kef-1');
    const client = new FluidstackClient({
      accountId: randomUUID(),
      globalBaseUrl: sim.baseUrl,
      settings,
      credentials: {
        clientId: sim.account.credentials['clientId'] ?? '',
        clientSecret: sim.account.credentials['clientSecret'] ?? '',
      },
      logger,
    });
    const foreign = await client.createFilesystem(kef, { name: 'fs-1', size: '512Gi' });
    expect(await listedVolume(foreign.id)).toMatchObject({
      gpufleetId: null,
      name: 'fs-1',
      locationCode: 'is-kef-1',
      sizeGB: 549.76,
      status: 'Available',
      pricePerGBMonth: { amount: 0.05, currency: 'usd' },
    });
  });

  it('refuses a filesystem Fluidstack cannot make before any call', async () => {
    const before = sim.received().length;
    for (const overrides of [
      { locationCode: 'xx-nowhere-1' },
      { type: 'NVMe' },
      { sizeGB: 0 },
      { sizeGB: 10.5 },
      { sizeGB: 100_001 },
      { gpufleetId: 'vol-1' },
    ]) {
      await expect(createVolume(overrides)).rejects.toMatchObject({ kind: 'invalid_request', provider: 'fluidstack' });
    }
    expect(sim.received().length).toBe(before);
  });

  it('mounts filesystems at create, only from the instance region, and refuses an unknown one', async () => {
    const data = await createVolume();
    const scratch = await createVolume({ name: 'scratch', sizeGB: 50 });
    const mark = sim.received().length;
    const instance = await provider.createInstance(request({ volumes: [volRef(data), volRef(scratch), volRef(data)] }));
    const post = sim
      .received()
      .slice(mark)
      .find((r) => r.method === 'POST' && r.route === '/instances');
    // Each once, in the order given.
    expect(post?.body).toMatchObject({ filesystems: [data.providerVolumeId, scratch.providerVolumeId] });
    for (const volume of [data, scratch]) {
      expect(await listedVolume(volume.providerVolumeId)).toMatchObject({
        status: 'Attached',
        providerStatus: 'mounted',
        attachedInstanceIds: [instance.providerInstanceId],
      });
    }

    const paris = await createVolume({ locationCode: 'fr-par-1' });
    const before = sim.received().length;
    const elsewhere = await provider.createInstance(request({ volumes: [volRef(paris)] })).catch((e: unknown) => e);
    expect(elsewhere).toMatchObject({ kind: 'invalid_request', provider: 'fluidstack' });
    expect((elsewhere as Error).message).toContain('fr-par-1');
    const tooMany = Array.from({ length: 9 }, () => ({ providerVolumeId: randomUUID(), locationCode: 'us-tx-1' }));
    await expect(provider.createInstance(request({ volumes: tooMany }))).rejects.toMatchObject({ kind: 'invalid_request' });
    expect(sim.received().length).toBe(before);

    // A filesystem Atlas does not know (here: one of another region, claimed to be local) is a 404 on create.
    const unknown = await provider
      .createInstance(request({ volumes: [{ providerVolumeId: paris.providerVolumeId, locationCode: 'us-tx-1' }] }))
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ kind: 'invalid_request', provider: 'fluidstack', status: 404 });
    expect((unknown as Error).message).toContain(paris.providerVolumeId);
  });

  it('refuses to delete a mounted filesystem as conflict, keeps it past the instance, then deletes it', async () => {
    const volume = await createVolume();
    const instance = await provider.createInstance(request({ volumes: [volRef(volume)] }));
    const mark = sim.received().length;
    const refused = await provider.deleteVolume?.(volRef(volume)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'conflict', provider: 'fluidstack' });
    expect((refused as Error).message).toContain(instance.providerInstanceId);
    // Refused from the instances' mounts, before Atlas is asked to delete anything.
    expect(
      sim
        .received()
        .slice(mark)
        .some((r) => r.method === 'DELETE'),
    ).toBe(false);

    expect(await provider.deleteInstance(refOf(instance))).toBe('accepted');
    const deadline = Date.now() + 10_000;
    while ((await provider.getInstance(instance.providerInstanceId)) !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(await listedVolume(volume.providerVolumeId)).toMatchObject({ status: 'Available', attachedInstanceIds: [] });
    expect(sim.control.liveVolumeIds?.()).toContain(volume.providerVolumeId);

    expect(await provider.deleteVolume?.(volRef(volume))).toBe('accepted');
    expect(await listedVolume(volume.providerVolumeId)).toBeUndefined();
    expect(sim.control.liveVolumeIds?.()).not.toContain(volume.providerVolumeId);
    expect(await provider.deleteVolume?.(volRef(volume))).toBe('gone');
  });

  it('lists volumes with one filesystem list per region, reusing a fresh instance listing', async () => {
    const volume = await createVolume();
    const count = (from: number, route: string) =>
      sim
        .received()
        .slice(from)
        .filter((r) => r.method === 'GET' && r.route === route).length;
    // An adapter that has listed nothing yet.
    const fresh = connect();

    let mark = sim.received().length;
    await fresh.listVolumes?.();
    expect(count(mark, '/filesystems')).toBe(3);
    expect(count(mark, '/instances')).toBe(3);

    mark = sim.received().length;
    await fresh.listInstances();
    await fresh.listVolumes?.();
    expect(count(mark, '/instances')).toBe(3);
    expect(count(mark, '/filesystems')).toBe(3);

    // A create of ours drops its region's listing, so the new mount is seen at once.
    const instance = await fresh.createInstance(request({ volumes: [volRef(volume)] }));
    mark = sim.received().length;
    expect(await listedVolume(volume.providerVolumeId, fresh)).toMatchObject({
      attachedInstanceIds: [instance.providerInstanceId],
    });
    expect(
      sim
        .received()
        .slice(mark)
        .filter((r) => r.route === '/instances')
        .map((r) => r.region),
    ).toEqual(['us-tx-1']);
    await fresh.close();
  });

  it('fails the volume listing of a wrong project as auth, never as an empty list', async () => {
    const wrong = connect({ projectId: randomUUID() });
    await expect(wrong.listVolumes?.()).rejects.toMatchObject({ kind: 'auth', provider: 'fluidstack' });
    await wrong.close();
  });

  it('rejects a wrong project id with a clear auth error naming Fluidstack', async () => {
    const wrongProject = randomUUID();
    const wrong = connect({ projectId: wrongProject });
    const error = await wrong.verify().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'auth', provider: 'fluidstack' });
    expect((error as Error).message).toMatch(new RegExp(`Fluidstack project ${wrongProject} was not found in region`));
    // Listing must fail too: an empty list would read as "every instance is gone".
    await expect(wrong.listInstances()).rejects.toMatchObject({ kind: 'auth' });
    await wrong.close();
  });

  it('refuses an unknown region and an unknown instance type as invalid requests', async () => {
    const before = sim.received().length;
    const region = await provider.createInstance(request({ locationCode: 'xx-nowhere-1' })).catch((e: unknown) => e);
    expect(region).toMatchObject({ kind: 'invalid_request', provider: 'fluidstack' });
    expect((region as Error).message).toContain('xx-nowhere-1');
    expect(sim.received().length).toBe(before);

    await expect(provider.createInstance(request({ providerSkuId: 'z900.1x' }))).rejects.toMatchObject({
      kind: 'invalid_request',
      status: 400,
    });
  });

  it('answers a stop of a stopped instance and a start of a running one with conflict', async () => {
    const created = await provider.createInstance(request());
    const running = await waitFor(created.providerInstanceId, 'Running');
    await expect(provider.startInstance(refOf(running))).rejects.toMatchObject({ kind: 'conflict', status: 409 });
    await provider.stopInstance(refOf(running));
    const stopped = await waitFor(created.providerInstanceId, 'Stopped');
    expect(stopped.statusReason).toBeNull();
    const error = await provider.stopInstance(refOf(running)).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'conflict', provider: 'fluidstack' });
    expect((error as Error).message).toMatch(/cannot stop instance .* state conflict/i);
  });

  it('fetches a new token when the old one stops working', async () => {
    await provider.listInstances();
    const tokensBefore = sim.control.requestCounts()['POST /oauth/token'] ?? 0;
    const callsBefore = calls.length;
    sim.control.expireTokens();
    await expect(provider.listInstances()).resolves.toBeInstanceOf(Array);
    expect(sim.control.requestCounts()['POST /oauth/token'] ?? 0).toBeGreaterThan(tokensBefore);
    // The regional API answers an expired token with 403, the Management API with 401.
    expect(calls.slice(callsBefore).some((c) => c === 'GET /instances 403')).toBe(true);
    sim.control.expireTokens();
    await provider.verify();
    expect(calls.slice(callsBefore).some((c) => c === 'GET /regions 401')).toBe(true);
  });

  it('names the field of a malformed response', async () => {
    const created = await provider.createInstance(request());
    sim.control.malformNext(1);
    const error = await provider.getInstance(created.providerInstanceId).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'bad_response', provider: 'fluidstack', field: '/state' });
    expect((error as Error).message).toContain('/state');
  });

  it('reports a preempted instance as Stopped with reason preempted', async () => {
    const created = await provider.createInstance(request({ spot: true }));
    expect(created.spot).toBe(true);
    expect(created.pricePerHour).toEqual({ amount: 1.3, currency: 'usd' });
    await waitFor(created.providerInstanceId, 'Running');
    sim.control.preempt(created.providerInstanceId);
    const preempted = await waitFor(created.providerInstanceId, 'Stopped');
    expect(preempted.statusReason).toBe('preempted');

    // Started again it runs (a slot is free), and a stop of ours is no preemption.
    await provider.startInstance(refOf(preempted));
    await waitFor(created.providerInstanceId, 'Running');
    await provider.stopInstance(refOf(preempted));
    expect((await waitFor(created.providerInstanceId, 'Stopped')).statusReason).toBeNull();
  });

  it('lists the projects of every region', async () => {
    const projects = await provider.listProjects?.();
    expect(projects).toContainEqual({ id: FLUIDSTACK_SIM_PROJECT_ID, name: 'gpufleet-sandbox (us-tx-1, fr-par-1, is-kef-1)' });
    expect(projects).toContainEqual({ id: FLUIDSTACK_SIM_RESEARCH_PROJECT_ID, name: 'research (fr-par-1)' });
  });

  it('logs an unknown state once and reports it as Unknown', async () => {
    const created = await provider.createInstance(request());
    await waitFor(created.providerInstanceId, 'Running');
    sim.control.setRawStatus(created.providerInstanceId, 'hibernating');
    const before = warnings.filter((w) => w.fields?.['state'] === 'hibernating').length;
    expect((await provider.getInstance(created.providerInstanceId))?.status).toBe('Unknown');
    expect((await provider.listInstances()).find((i) => i.providerInstanceId === created.providerInstanceId)?.status).toBe(
      'Unknown',
    );
    expect(warnings.filter((w) => w.fields?.['state'] === 'hibernating').length).toBe(before + 1);
  });

  it('rejects settings without regions at connect', () => {
    expect(() => connect({ regions: [] })).toThrow(expect.objectContaining({ kind: 'invalid_request', field: '/regions' }));
  });
});

describe('fluidstack simulator persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fluidstack-sim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps instances and volumes across a restart, and resumes their transitions', async () => {
    const stateFile = join(dir, 'state.json');
    const logger = { info() {}, warn() {}, error() {} };
    const first = await startFluidstackSimulator({ transitionMs: 50, seed: 3, stateFile });
    const account = { accountId: randomUUID(), name: 'persist', credentials: first.account.credentials };
    const before = fluidstack.connect({ ...account, baseUrl: first.baseUrl, settings: first.account.settings }, { logger });
    const volumeId = randomUUID();
    const volume = await before.createVolume?.({
      gpufleetId: volumeId,
      name: 'keep',
      sizeGB: 100,
      locationCode: 'fr-par-1',
      type: 'virtio-fs',
    });
    if (!volume) throw new Error('no volume created');
    const created = await before.createInstance({
      volumes: [{ providerVolumeId: volume.providerVolumeId, locationCode: 'fr-par-1' }],
      gpufleetId: randomUUID(),
      name: 'survivor',
      providerSkuId: 'a100-sxm4-80gb.1x',
      locationCode: 'fr-par-1',
      gpuCount: 1,
      spot: false,
      image: 'ubuntu-22.04',
      username: null,
      sshPublicKeys: [KEY_A],
    });
    await before.close();
    await first.close();

    const second = await startFluidstackSimulator({ transitionMs: 50, seed: 3, stateFile });
    try {
      const after = fluidstack.connect({ ...account, baseUrl: second.baseUrl, settings: second.account.settings }, { logger });
      expect(second.control.liveInstanceIds()).toEqual([created.providerInstanceId]);
      expect(second.control.liveVolumeIds?.()).toEqual([volume.providerVolumeId]);
      // Tag, size and mount all come back: the volume is still gpufleet's, and still in use.
      expect(await after.listVolumes?.()).toEqual([
        expect.objectContaining({
          providerVolumeId: volume.providerVolumeId,
          gpufleetId: volumeId,
          name: 'keep',
          sizeGB: 100,
          locationCode: 'fr-par-1',
          status: 'Attached',
          attachedInstanceIds: [created.providerInstanceId],
        }),
      ]);
      await expect(
        after.deleteVolume?.({ providerVolumeId: volume.providerVolumeId, locationCode: 'fr-par-1' }),
      ).rejects.toMatchObject({ kind: 'conflict' });
      const deadline = Date.now() + 10_000;
      let status = (await after.getInstance(created.providerInstanceId))?.status;
      while (status !== 'Running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 30));
        status = (await after.getInstance(created.providerInstanceId))?.status;
      }
      expect(status).toBe('Running');
      await after.close();
    } finally {
      await second.close();
    }
  });
});
