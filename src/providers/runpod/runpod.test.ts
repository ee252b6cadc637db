import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VmStatus } from '../../core/domain/types.ts';
import { ProviderError } from '../../core/provider/errors.ts';
import type { InstanceRef, Provider, ProviderInstance, ProviderOffer, RunningSimulator } from '../../core/provider/provider.ts';
import { runpod } from './index.ts';
import { podToInstance, statusOf } from './mapping.ts';
import { RUNPOD_SIM_API_KEY } from './simulator/index.ts';
import type { Pod } from './wire.ts';

const KEY = { name: 'k', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRunpodTestKey test@runpod', fingerprint: 'SHA256:x' };

interface Logged {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

describe('runpod provider', () => {
  let sim: RunningSimulator;
  let provider: Provider;
  const logged: Logged[] = [];
  const logger = {
    info: (msg: string, fields?: Record<string, unknown>) => logged.push({ level: 'info', msg, fields }),
    warn: (msg: string, fields?: Record<string, unknown>) => logged.push({ level: 'warn', msg, fields }),
    error: (msg: string, fields?: Record<string, unknown>) => logged.push({ level: 'error', msg, fields }),
  };

  const connect = (settings: Record<string, unknown> = {}, baseUrl = sim.baseUrl) =>
    runpod.connect(
      { accountId: randomUUID(), name: 'runpod test', baseUrl, credentials: sim.account.credentials, settings },
      { logger },
    );

  beforeAll(async () => {
    // Slow enough that the states before Running can be observed even on a busy machine.
    sim = await runpod.simulator.start({ transitionMs: 150, seed: 7 });
    provider = connect();
  });
  afterAll(async () => {
    await provider?.close();
    await sim?.close();
  });
  afterEach(() => sim.control.reset());

  const offer = async (pick: (o: ProviderOffer) => boolean): Promise<ProviderOffer> => {
    const found = (await provider.listOffers()).find((o) => o.available && pick(o));
    if (!found) throw new Error('no matching offer');
    return found;
  };

  const create = (o: ProviderOffer, extra: { spot?: boolean; maxPrice?: number } = {}) =>
    provider.createInstance({
      gpufleetId: randomUUID(),
      name: `rp-${Math.floor(Math.random() * 1e6)}`,
      providerSkuId: o.providerSkuId,
      locationCode: o.location.code,
      gpuCount: o.gpu.count,
      spot: extra.spot ?? false,
      maxPricePerHour: extra.maxPrice === undefined ? null : { amount: extra.maxPrice, currency: 'usd' },
      image: 'ubuntu-24.04',
      username: null,
      sshPublicKeys: [KEY],
    });

  const refOf = (i: ProviderInstance): InstanceRef => ({
    providerInstanceId: i.providerInstanceId,
    providerSkuId: i.providerSkuId,
    locationCode: i.locationCode,
    gpuCount: i.gpuCount,
    spot: i.spot,
    pricePerHour: i.pricePerHour,
  });

  const waitFor = async (id: string, wanted: VmStatus): Promise<ProviderInstance> => {
    const deadline = Date.now() + 10_000;
    let last: ProviderInstance | null = null;
    while (Date.now() < deadline) {
      last = await provider.getInstance(id);
      if (last?.status === wanted) return last;
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`pod ${id} never reached ${wanted}; last ${last?.status} (${last?.providerStatus})`);
  };

  const graphql = async (
    query: string,
    variables: Record<string, unknown> = {},
    auth: 'bearer' | 'query' | 'none' | 'wrong' = 'bearer',
  ) => {
    const url = new URL(sim.baseUrl);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (auth === 'bearer') headers.Authorization = `Bearer ${sim.account.credentials.apiKey}`;
    if (auth === 'wrong') headers.Authorization = 'Bearer not-the-key';
    if (auth === 'query') url.searchParams.set('api_key', sim.account.credentials.apiKey ?? '');
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] } };
  };

  it('documents its default API key and accepts it as a Bearer header and as ?api_key=', async () => {
    expect(sim.account.credentials.apiKey).toBe(RUNPOD_SIM_API_KEY);
    const bearer = await graphql('{ myself { id } }', {}, 'bearer');
    const query = await graphql('{ myself { id } }', {}, 'query');
    expect(bearer.status).toBe(200);
    expect(query.status).toBe(200);
    expect(query.body.data).toEqual(bearer.body.data);
    expect((await graphql('{ myself { id } }', {}, 'wrong')).status).toBe(401);
    expect((await graphql('{ myself { id } }', {}, 'none')).status).toBe(401);
  });

  it('answers schema violations with HTTP 400 and resolver errors with HTTP 200', async () => {
    const invalid = await graphql('mutation { podResume(input: { podId: "x", allowedCudaVersions: ["12.4"] }) { id } }');
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors?.[0]?.message).toMatch(/allowedCudaVersions/);
    const missing = await graphql('mutation { podTerminate(input: { podId: "nope" }) }');
    expect(missing.status).toBe(200);
    expect(missing.body.errors?.[0]?.message).toBe('pod not found to terminate');
  });

  it('turns per-GPU prices into per-pod prices for every count', async () => {
    const raw = await graphql('{ gpuTypes { id securePrice secureSpotPrice communityPrice } }');
    const types = raw.body.data?.gpuTypes as {
      id: string;
      securePrice: number;
      secureSpotPrice: number;
      communityPrice: number;
    }[];
    const h100 = types.find((t) => t.id === 'NVIDIA H100 80GB HBM3');
    expect(h100).toBeDefined();
    const offers = (await provider.listOffers()).filter((o) => o.providerSkuId === 'SECURE:NVIDIA H100 80GB HBM3');
    for (const count of [1, 2, 4, 8]) {
      const onDemand = offers.find((o) => o.gpu.count === count && !o.spot);
      const spot = offers.find((o) => o.gpu.count === count && o.spot);
      expect(onDemand?.pricePerHour?.amount).toBeCloseTo((h100?.securePrice ?? 0) * count, 6);
      expect(spot?.pricePerHour?.amount).toBeCloseTo((h100?.secureSpotPrice ?? 0) * count, 6);
      expect(onDemand?.gpu).toMatchObject({ model: 'H100', memoryGiB: 80, interconnect: 'SXM', vendor: 'NVIDIA' });
      expect(onDemand?.machineKind).toBe('container');
    }
    // A type capped at 4 GPUs per pod is never offered with 8.
    const v100 = (await provider.listOffers()).filter((o) => o.gpu.model === 'V100');
    expect(v100.length).toBeGreaterThan(0);
    expect(v100.every((o) => o.gpu.count <= 4)).toBe(true);
  });

  it('offers Secure and Community Cloud separately, and honours the cloudType setting', async () => {
    const offers = await provider.listOffers();
    const secure = offers.find((o) => o.providerSkuId === 'SECURE:NVIDIA GeForce RTX 4090' && o.gpu.count === 1 && !o.spot);
    const community = offers.find((o) => o.providerSkuId === 'COMMUNITY:NVIDIA GeForce RTX 4090' && o.gpu.count === 1 && !o.spot);
    expect(secure?.pricePerHour?.amount).toBe(0.69);
    expect(community?.pricePerHour?.amount).toBe(0.34);
    // Types only one cloud sells appear once.
    expect(offers.some((o) => o.providerSkuId === 'COMMUNITY:NVIDIA B200')).toBe(false);
    expect(offers.some((o) => o.providerSkuId === 'SECURE:Tesla V100-SXM2-16GB')).toBe(false);

    const communityOnly = connect({ cloudType: 'COMMUNITY' });
    const onlyCommunity = await communityOnly.listOffers();
    expect(onlyCommunity.length).toBeGreaterThan(0);
    expect(onlyCommunity.every((o) => o.providerSkuId.startsWith('COMMUNITY:'))).toBe(true);

    const pod = await create(await offer((o) => o.providerSkuId.startsWith('COMMUNITY:') && !o.spot && o.gpu.count === 1));
    expect(pod.providerSkuId).toMatch(/^COMMUNITY:/);
    // Community pods ask for a public IP so direct SSH works.
    const running = await waitFor(pod.providerInstanceId, 'Running');
    expect(running.ip).toBeTruthy();
    await provider.deleteInstance(refOf(pod));
    await communityOnly.close();
  });

  it('reads IP and SSH port from runtime.ports, and shows nothing before the runtime exists', async () => {
    const pod = await create(await offer((o) => !o.spot && o.gpu.count === 1));
    const early = await provider.getInstance(pod.providerInstanceId);
    expect(early?.status).toBe('Provisioning');
    expect(early?.ip).toBeNull();
    expect(early?.sshPort).toBeNull();
    expect(early?.jupyterUrl).toBeNull();

    const running = await waitFor(pod.providerInstanceId, 'Running');
    type RawPort = { ip: string; isIpPublic: boolean; privatePort: number; publicPort: number; type: string };
    const raw = await graphql(
      'query ($input: PodFilter) { pod(input: $input) { env runtime { ports { ip isIpPublic privatePort publicPort type } } } }',
      {
        input: { podId: pod.providerInstanceId },
      },
    );
    const rawPod = raw.body.data?.pod as { env: string[]; runtime: { ports: RawPort[] } } | undefined;
    if (!rawPod) throw new Error('pod missing from the raw answer');
    const ports = rawPod.runtime.ports;
    const direct = ports.find((p) => p.privatePort === 22 && p.isIpPublic);
    const internal = ports.find((p) => p.privatePort === 22 && !p.isIpPublic);
    expect(running.ip).toBe(direct?.ip);
    expect(running.sshPort).toBe(direct?.publicPort);
    expect(running.ip).not.toBe(internal?.ip);
    expect(running.username).toBe('root');
    expect(running.jupyterUrl).toBe(`https://${pod.providerInstanceId}-8888.proxy.runpod.net`);

    // The tag and the SSH keys travel as env vars.
    expect(rawPod.env).toEqual(expect.arrayContaining([`GPUFLEET_ID=${pod.gpufleetId}`, `PUBLIC_KEY=${KEY.publicKey}`]));
    await provider.deleteInstance(refOf(pod));
  });

  it('runs the interruptible lifecycle: rent with a bid, preemption, bid resume', async () => {
    const spotOffer = await offer((o) => o.spot && o.gpu.count === 2);
    const maxPrice = Math.round((spotOffer.pricePerHour?.amount ?? 0) * 1.25 * 100) / 100;
    const pod = await create(spotOffer, { spot: true, maxPrice });
    expect(pod.spot).toBe(true);
    // The bid is per GPU: the pod costs the whole maximum price.
    expect(pod.pricePerHour?.amount).toBeCloseTo(maxPrice, 6);
    await waitFor(pod.providerInstanceId, 'Running');

    sim.control.preempt(pod.providerInstanceId);
    const preempted = await provider.getInstance(pod.providerInstanceId);
    expect(preempted).toMatchObject({ status: 'Stopped', statusReason: 'preempted', ip: null });

    const before = sim.control.requestCounts()['POST /graphql#podBidResume'] ?? 0;
    await provider.startInstance(refOf(pod));
    expect(sim.control.requestCounts()['POST /graphql#podBidResume']).toBe(before + 1);
    await waitFor(pod.providerInstanceId, 'Running');

    // A stop the user asked for is not a preemption.
    await provider.stopInstance(refOf(pod));
    const stopped = await waitFor(pod.providerInstanceId, 'Stopped');
    expect(stopped.statusReason).toBeNull();
    await provider.deleteInstance(refOf(pod));
  });

  it('rejects a bid below the minimum as invalid_request naming RunPod', async () => {
    const spotOffer = await offer((o) => o.spot && o.gpu.count === 1);
    const live = sim.control.liveInstanceIds().length;
    const error = await create(spotOffer, { spot: true, maxPrice: 0.01 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'invalid_request', provider: 'runpod' });
    expect((error as ProviderError).message).toMatch(/runpod/i);
    expect((error as ProviderError).message).toMatch(/bid/i);
    expect(sim.control.liveInstanceIds()).toHaveLength(live);
  });

  it('reports a resume on a full host as capacity, and resumes once GPUs are free', async () => {
    const pod = await create(await offer((o) => !o.spot && o.gpu.count === 1));
    await waitFor(pod.providerInstanceId, 'Running');
    await provider.stopInstance(refOf(pod));
    expect((await provider.getInstance(pod.providerInstanceId))?.status).toMatch(/Stopping|Stopped/);
    await waitFor(pod.providerInstanceId, 'Stopped');

    sim.control.setCapacity(false, { providerSkuId: pod.providerSkuId, locationCode: pod.locationCode });
    const error = await provider.startInstance(refOf(pod)).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'capacity', provider: 'runpod' });
    expect((error as ProviderError).message).toMatch(/machine it was created on/);

    sim.control.setCapacity(true);
    await provider.startInstance(refOf(pod));
    expect((await provider.getInstance(pod.providerInstanceId))?.status).toMatch(/Starting|Running/);
    await waitFor(pod.providerInstanceId, 'Running');
    await provider.deleteInstance(refOf(pod));
  });

  it('preempts interruptible pods when an on-demand pod needs their GPUs', async () => {
    const spotOffer = await offer((o) => o.spot && o.gpu.count === 1 && o.location.code === 'AP-JP-1');
    const spotPods: ProviderInstance[] = [];
    for (let i = 0; i < 40; i++) {
      const rented = await create(spotOffer, { spot: true }).catch((e: unknown) => e);
      if (rented instanceof ProviderError) {
        expect(rented.kind).toBe('capacity');
        break;
      }
      spotPods.push(rented as ProviderInstance);
    }
    expect(spotPods.length).toBeGreaterThan(0);
    const onDemand = await create({ ...spotOffer, spot: false });
    const after = await provider.listInstances();
    const preempted = after.filter(
      (i) => spotPods.some((s) => s.providerInstanceId === i.providerInstanceId) && i.statusReason === 'preempted',
    );
    expect(preempted.length).toBeGreaterThan(0);
    for (const p of [...spotPods, onDemand]) await provider.deleteInstance(refOf(p));
  });

  it('names the field of a malformed response', async () => {
    sim.control.malformNext(1);
    const error = await provider.listOffers().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'bad_response', provider: 'runpod', field: '/data/gpuTypes/0/id' });
    expect((error as ProviderError).message).toContain('/data/gpuTypes/0/id');
  });

  it('logs a status it does not know once, and shows it as Unknown', async () => {
    const pod = await create(await offer((o) => !o.spot && o.gpu.count === 1));
    sim.control.setRawStatus(pod.providerInstanceId, 'HIBERNATING');
    await provider.listInstances();
    const seen = await provider.getInstance(pod.providerInstanceId);
    expect(seen).toMatchObject({ status: 'Unknown', providerStatus: 'HIBERNATING' });
    expect(logged.filter((l) => l.level === 'warn' && l.fields?.desiredStatus === 'HIBERNATING')).toHaveLength(1);
    await provider.deleteInstance(refOf(pod));
  });
});

describe('runpod GraphQL errors', () => {
  let server: Server;
  let reply: { status: number; body: unknown } = { status: 200, body: {} };
  let baseUrl = '';

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const provider = () =>
    runpod.connect(
      { accountId: randomUUID(), name: 'stub', baseUrl, credentials: { apiKey: 'k' }, settings: {} },
      { logger: { info() {}, warn() {}, error() {} } },
    );

  it('turns an error message it has never seen into a clear ProviderError', async () => {
    reply = {
      status: 200,
      body: {
        errors: [{ message: 'Flux capacitor overheated', path: ['myself'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        data: { myself: null },
      },
    };
    const error = await provider()
      .listInstances()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'runpod', kind: 'invalid_request', providerCode: 'INTERNAL_SERVER_ERROR' });
    expect((error as ProviderError).message).toContain('RunPod refused Pods');
    expect((error as ProviderError).message).toContain('Flux capacitor overheated');
  });

  it('maps the messages RunPod is known to send', async () => {
    const cases: [string, string][] = [
      ['There are no longer any instances available with the request specifications. Please try again later.', 'capacity'],
      ['Something went wrong. Please try again later or contact support.', 'unavailable'],
      ['pod not found to terminate', 'not_found'],
      ['Cannot resume a spot pod as an on demand pod.', 'invalid_request'],
      ['You must remove this network volume from all pods before deleting it.', 'conflict'],
      ['Failed to find data center, please try again.', 'invalid_request'],
    ];
    for (const [message, kind] of cases) {
      reply = { status: 200, body: { errors: [{ message }], data: null } };
      await expect(provider().listInstances()).rejects.toMatchObject({ kind, provider: 'runpod' });
    }
    reply = { status: 401, body: { errors: [{ message: 'Unauthorized' }] } };
    await expect(provider().verify()).rejects.toMatchObject({ kind: 'auth' });
  });
});

describe('runpod status mapping', () => {
  const pod = (over: Partial<Pod>): Pod => ({
    id: 'p1',
    name: 'p',
    desiredStatus: 'RUNNING',
    podType: 'RESERVED',
    imageName: 'img',
    gpuCount: 1,
    vcpuCount: 8,
    memoryInGb: 32,
    containerDiskInGb: 50,
    volumeInGb: 20,
    costPerHr: 0.5,
    env: [],
    ports: '8888/http,22/tcp',
    lastStatusChange: null,
    lastStartedAt: null,
    createdAt: null,
    uptimeSeconds: 0,
    machineId: 'm',
    machine: null,
    runtime: null,
    ...over,
  });
  const up = {
    uptimeInSeconds: 5,
    ports: [{ ip: '203.0.113.9', isIpPublic: true, privatePort: 22, publicPort: 12345, type: 'tcp' }],
  };
  const idle = { recentlyStopped: false };

  it('follows desiredStatus together with runtime', () => {
    expect(statusOf(pod({ desiredStatus: 'CREATED' }), idle).status).toBe('Provisioning');
    expect(statusOf(pod({}), idle).status).toBe('Provisioning');
    expect(statusOf(pod({ lastStartedAt: '2026-01-01T00:00:00Z' }), idle).status).toBe('Starting');
    expect(statusOf(pod({ runtime: up }), idle).status).toBe('Running');
    // A runtime without the SSH mapping yet is not reachable.
    expect(statusOf(pod({ runtime: { uptimeInSeconds: 1, ports: [] } }), idle).status).toBe('Provisioning');
    expect(statusOf(pod({ desiredStatus: 'RESTARTING' }), idle).status).toBe('Starting');
    expect(statusOf(pod({ desiredStatus: 'EXITED', runtime: up }), { recentlyStopped: true }).status).toBe('Stopping');
    expect(statusOf(pod({ desiredStatus: 'EXITED', runtime: up }), idle).status).toBe('Stopped');
    expect(statusOf(pod({ desiredStatus: 'PAUSED' }), idle).status).toBe('Stopped');
    expect(statusOf(pod({ desiredStatus: 'DEAD' }), idle).status).toBe('Error');
    expect(statusOf(pod({ desiredStatus: 'TERMINATED' }), idle).status).toBe('Destroyed');
    expect(statusOf(pod({ desiredStatus: 'MIGRATING' }), idle).status).toBe('Unknown');
  });

  it('never shows an internal address as the IP', () => {
    const internalOnly = {
      uptimeInSeconds: 3,
      ports: [{ ip: '100.65.0.101', isIpPublic: false, privatePort: 22, publicPort: 22, type: 'tcp' }],
    };
    expect(podToInstance(pod({ runtime: internalOnly }), idle)).toMatchObject({ status: 'Running', ip: null, sshPort: null });
    expect(podToInstance(pod({ runtime: up }), idle)).toMatchObject({ ip: '203.0.113.9', sshPort: 12345, username: 'root' });
  });

  it('reports the mean GPU utilisation of the runtime, and none before it has one', () => {
    const gpus = [
      { id: 'GPU-a', gpuUtilPercent: 10 },
      { id: 'GPU-b', gpuUtilPercent: 30 },
      { id: 'GPU-c', gpuUtilPercent: null },
    ];
    expect(podToInstance(pod({ runtime: { ...up, gpus } }), idle).gpuUtilizationPercent).toBe(20);
    expect(podToInstance(pod({ runtime: { ...up, gpus: [] } }), idle).gpuUtilizationPercent).toBeNull();
    expect(podToInstance(pod({ runtime: up }), idle).gpuUtilizationPercent).toBeNull();
    expect(podToInstance(pod({}), idle).gpuUtilizationPercent).toBeNull();
  });

  it('tells a preemption from a user stop by lastStatusChange', () => {
    const exited = { desiredStatus: 'EXITED', podType: 'INTERRUPTABLE' };
    expect(statusOf(pod({ ...exited, lastStatusChange: 'Exited by Runpod: Fri Jun 19 2026' }), idle).statusReason).toBe(
      'preempted',
    );
    expect(statusOf(pod({ ...exited, lastStatusChange: 'Exited by user: Fri Jun 19 2026' }), idle).statusReason).toBeNull();
    expect(statusOf(pod({ desiredStatus: 'EXITED', lastStatusChange: 'Exited by Runpod: x' }), idle).statusReason).toBeNull();
  });
});

describe('runpod simulator state file', () => {
  it('keeps pods across a restart and carries on with their lifecycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runpod-sim-'));
    const stateFile = join(dir, 'runpod.json');
    try {
      const first = await runpod.simulator.start({ transitionMs: 40, seed: 3, stateFile });
      const a = runpod.connect(
        { accountId: 'a', name: 'a', baseUrl: first.baseUrl, credentials: first.account.credentials, settings: {} },
        { logger: { info() {}, warn() {}, error() {} } },
      );
      const o = (await a.listOffers()).find((x) => x.available && !x.spot && x.gpu.count === 1);
      if (!o) throw new Error('no offer');
      const pod = await a.createInstance({
        gpufleetId: 'gf-keep',
        name: 'keep',
        providerSkuId: o.providerSkuId,
        locationCode: o.location.code,
        gpuCount: 1,
        spot: false,
        image: 'ubuntu-22.04',
        username: null,
        sshPublicKeys: [KEY],
      });
      await first.close();

      const second = await runpod.simulator.start({ transitionMs: 40, seed: 3, stateFile });
      const b = runpod.connect(
        { accountId: 'b', name: 'b', baseUrl: second.baseUrl, credentials: second.account.credentials, settings: {} },
        { logger: { info() {}, warn() {}, error() {} } },
      );
      expect(second.control.liveInstanceIds()).toContain(pod.providerInstanceId);
      const deadline = Date.now() + 5_000;
      let status = '';
      while (Date.now() < deadline && status !== 'Running') {
        status = (await b.getInstance(pod.providerInstanceId))?.status ?? 'gone';
        await new Promise((r) => setTimeout(r, 30));
      }
      expect(status).toBe('Running');
      expect((await b.listInstances()).find((i) => i.providerInstanceId === pod.providerInstanceId)).toMatchObject({
        gpufleetId: 'gf-keep',
        image: 'ubuntu-22.04',
      });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
