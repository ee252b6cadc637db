import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { VmStatus } from '../../core/domain/types.ts';
import { ProviderError } from '../../core/provider/errors.ts';
import type { CreateInstanceRequest, ProviderInstance, ProviderOffer } from '../../core/provider/provider.ts';
import { VerdaProvider } from './adapter.ts';
import { VerdaClient } from './client.ts';
import { type RunningVerdaSimulator, startVerdaSimulator, type VerdaSimulatorOptions } from './simulator/server.ts';

const KEY = {
  name: 'laptop',
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq5n0lJ6bW7Xk0Tt2mB8XlTg0n8kq2m3ZrJbVQwQm9S alice@laptop',
  fingerprint: 'SHA256:alicelaptop',
};
const OTHER_KEY = {
  name: 'ci',
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBq1n0lJ6bW7Xk0Tt2mB8XlTg0n8kq2m3ZrJbVQwQm9T ci@runner',
  fingerprint: 'SHA256:ci',
};

/** Generous limits unless a test is about them: polling one instance must not trip Verda's 60/min. */
const ROOMY_LIMITS = { projectQuota: 100_000, endpointQuota: 100_000 };

interface Harness {
  sim: RunningVerdaSimulator;
  provider: VerdaProvider;
  calls: { method: string; route: string; status: number }[];
  connect(http?: ConstructorParameters<typeof VerdaProvider>[2], settings?: Record<string, unknown>): VerdaProvider;
}

async function harness(
  options: VerdaSimulatorOptions = {},
  http?: ConstructorParameters<typeof VerdaProvider>[2],
): Promise<Harness> {
  const sim = await startVerdaSimulator({
    transitionMs: 80,
    seed: 7,
    ...options,
    rateLimits: options.rateLimits ?? ROOMY_LIMITS,
  });
  const calls: Harness['calls'] = [];
  const providers: VerdaProvider[] = [];
  const connect: Harness['connect'] = (tuning, settings = {}) => {
    const provider = new VerdaProvider(
      { accountId: randomUUID(), name: 'verda test', baseUrl: sim.baseUrl, credentials: sim.account.credentials, settings },
      { logger: { info() {}, warn() {}, error() {} }, onProviderCall: (call) => calls.push(call) },
      tuning,
    );
    providers.push(provider);
    return provider;
  };
  const provider = connect(http);
  onTestFinished(async () => {
    for (const p of providers) await p.close();
    await sim.close();
  });
  return { sim, provider, calls, connect };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(
  provider: VerdaProvider,
  id: string,
  done: (instance: ProviderInstance | null) => boolean,
  timeoutMs = 10_000,
): Promise<ProviderInstance | null> {
  const deadline = Date.now() + timeoutMs;
  let last: ProviderInstance | null = null;
  while (Date.now() < deadline) {
    last = await provider.getInstance(id);
    if (done(last)) return last;
    await sleep(25);
  }
  throw new Error(`instance ${id} did not get there; last ${last?.status} (${last?.providerStatus})`);
}

const inStatus = (status: VmStatus) => (i: ProviderInstance | null) => i?.status === status;

function request(offer: Pick<ProviderOffer, 'providerSkuId' | 'location' | 'gpu'>, extra: Partial<CreateInstanceRequest> = {}) {
  return {
    gpufleetId: randomUUID(),
    name: 'verda-test',
    providerSkuId: offer.providerSkuId,
    locationCode: offer.location.code,
    gpuCount: offer.gpu.count,
    spot: false,
    image: 'ubuntu-24.04',
    username: null,
    sshPublicKeys: [KEY],
    ...extra,
  } satisfies CreateInstanceRequest;
}

const h100Fin01 = { providerSkuId: '1H100.80S.30V', location: { code: 'FIN-01' }, gpu: { count: 1 } } as ProviderOffer;
const refOf = (instance: ProviderInstance) => ({
  providerInstanceId: instance.providerInstanceId,
  providerSkuId: instance.providerSkuId,
  locationCode: instance.locationCode,
  gpuCount: instance.gpuCount,
  spot: instance.spot,
  pricePerHour: instance.pricePerHour,
});

async function rawToken(sim: RunningVerdaSimulator): Promise<string> {
  const response = await fetch(`${sim.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: sim.account.credentials['clientId'],
      client_secret: sim.account.credentials['clientSecret'],
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('verda auth', () => {
  it('refreshes an expired token, and authenticates again when the refresh token is dead too', async () => {
    const { sim, provider, calls } = await harness({ tokenLifetimeSec: 1 });
    await provider.listInstances();
    expect(sim.verda.tokenGrants()).toEqual({ client_credentials: 1, refresh_token: 0, refused: 0 });

    await sleep(1_100);
    await provider.listInstances();
    expect(sim.verda.tokenGrants()).toEqual({ client_credentials: 1, refresh_token: 1, refused: 0 });

    // Access and refresh tokens both dead: the refresh is refused, client credentials work.
    await sleep(1_100);
    sim.control.expireTokens();
    await provider.listInstances();
    expect(sim.verda.tokenGrants()).toEqual({ client_credentials: 2, refresh_token: 1, refused: 1 });

    // Invalidated while still fresh on our side: a 401, then one new token and the call again.
    sim.control.expireTokens();
    await provider.listInstances();
    expect(sim.verda.tokenGrants()).toEqual({ client_credentials: 3, refresh_token: 1, refused: 1 });
    expect(calls.filter((c) => c.route === '/instances' && c.status === 401)).toHaveLength(1);
    expect(calls.filter((c) => c.route === '/oauth2/token')).toHaveLength(5);
  });

  it('reports rejected credentials as auth after a single token request', async () => {
    const { sim, calls } = await harness();
    const bad = new VerdaProvider(
      {
        accountId: 'a',
        name: 'bad',
        baseUrl: sim.baseUrl,
        credentials: { clientId: 'nope', clientSecret: 'nope' },
        settings: {},
      },
      { logger: { info() {}, warn() {}, error() {} }, onProviderCall: (call) => calls.push(call) },
    );
    await expect(bad.verify()).rejects.toMatchObject({ kind: 'auth', provider: 'verda', status: 401 });
    expect(calls.filter((c) => c.route === '/oauth2/token').map((c) => c.status)).toEqual([401]);
  });
});

describe('verda wire quirks', () => {
  it('requires a User-Agent on create, which the adapter always sends', async () => {
    const { sim, provider } = await harness();
    const token = await rawToken(sim);
    const url = new URL(`${sim.baseUrl}/instances`);
    // node:http sends no User-Agent unless told to (fetch always adds one).
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(
        JSON.stringify({
          instance_type: '1H100.80S.30V',
          image: 'ubuntu-24.04',
          hostname: 'x',
          description: '',
          location_code: 'FIN-01',
        }),
      );
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ code: 'invalid_request', message: 'user-agent header is required' });

    const created = await provider.createInstance(request(h100Fin01));
    expect(sim.control.liveInstanceIds()).toContain(created.providerInstanceId);
  });

  it('reads the 202 id body whether plain text or a JSON string', async () => {
    const { sim, provider } = await harness({ idBodies: 'json' });
    const quoted = await provider.createInstance(request(h100Fin01));
    sim.verda.setIdBodies('text');
    const plain = await provider.createInstance(request(h100Fin01));
    for (const created of [quoted, plain]) {
      expect(created.providerInstanceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(sim.verda.instance(created.providerInstanceId)).toBeDefined();
    }
  });

  it('reads GET /ssh-keys/{id}, which answers an array of one', async () => {
    const { sim } = await harness();
    const client = new VerdaClient({
      accountId: 'a',
      baseUrl: sim.baseUrl,
      clientId: sim.account.credentials['clientId'] ?? '',
      clientSecret: sim.account.credentials['clientSecret'] ?? '',
      logger: { info() {}, warn() {}, error() {} },
    });
    const id = await client.addSshKey('laptop', KEY.publicKey);
    expect(await client.sshKey(id)).toEqual({ id, name: 'laptop', key: KEY.publicKey });
  });

  it('fails on a malformed response naming the provider and the field', async () => {
    const { sim, provider } = await harness();
    const created = await provider.createInstance(request(h100Fin01));
    sim.control.malformNext(1);
    const error = await provider.getInstance(created.providerInstanceId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'bad_response', provider: 'verda', field: '/id' });
    expect((error as ProviderError).message).toContain('GET /instances/{id}');

    sim.control.malformNext(1);
    await expect(provider.listInstances()).rejects.toMatchObject({ kind: 'bad_response', field: '/0/id' });
    await expect(provider.listInstances()).resolves.toHaveLength(1);
  });
});

describe('verda instances', () => {
  it('tags the instance with the gpufleet id, derives a hostname and reads both back', async () => {
    const { sim, provider } = await harness({ transitionMs: 500 });
    const req = request(h100Fin01, { name: 'My Training Run #1 (ünïcode)' });
    const created = await provider.createInstance(req);
    const record = sim.verda.instance(created.providerInstanceId);
    expect(record?.description).toBe(`gpufleet:${req.gpufleetId}`);
    expect(record?.hostname).toBe('my-training-run-1-unicode');
    expect(record?.image).toBe('ubuntu-24.04-cuda-12.8-open-docker');
    expect(created).toMatchObject({ gpufleetId: req.gpufleetId, status: 'Provisioning', ip: null, spot: false });
    const listed = (await provider.listInstances()).find((i) => i.providerInstanceId === created.providerInstanceId);
    expect(listed?.gpufleetId).toBe(req.gpufleetId);
  });

  it('reuses an SSH key already registered with the same content instead of registering it again', async () => {
    const { sim, provider } = await harness();
    const token = await rawToken(sim);
    const preexisting = await fetch(`${sim.baseUrl}/ssh-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      // Same key, other comment.
      body: JSON.stringify({ name: 'from the console', key: KEY.publicKey.replace('alice@laptop', 'alice@desktop') }),
    }).then((r) => r.text());

    const first = await provider.createInstance(request(h100Fin01, { sshPublicKeys: [KEY, OTHER_KEY] }));
    const second = await provider.createInstance(request(h100Fin01, { sshPublicKeys: [OTHER_KEY, KEY] }));
    expect(sim.control.requestCounts()['POST /ssh-keys']).toBe(2);
    expect(sim.verda.sshKeys()).toHaveLength(2);
    const otherId = sim.verda.sshKeys().find((k) => k.key === OTHER_KEY.publicKey)?.id;
    expect(sim.verda.instance(first.providerInstanceId)?.sshKeyIds).toEqual([preexisting, otherId]);
    expect(sim.verda.instance(second.providerInstanceId)?.sshKeyIds).toEqual([otherId, preexisting]);
  });

  it('registers a new key once when two creates need it at the same time', async () => {
    const { sim, provider } = await harness();
    await Promise.all([provider.createInstance(request(h100Fin01)), provider.createInstance(request(h100Fin01))]);
    expect(sim.control.requestCounts()['POST /ssh-keys']).toBe(1);
    expect(sim.verda.sshKeys()).toHaveLength(1);
  });

  it('shows no IP until running, root on port 22, and a Jupyter URL only for the jupyter image', async () => {
    const { provider } = await harness({ transitionMs: 150 });
    const jupyter = await provider.createInstance(request(h100Fin01, { image: 'jupyter' }));
    const plain = await provider.createInstance(request(h100Fin01));
    expect(jupyter.ip).toBeNull();
    const provisioning = await waitFor(provider, jupyter.providerInstanceId, (i) => i?.providerStatus === 'provisioning');
    expect(provisioning?.ip).toBeNull();
    expect(provisioning?.jupyterUrl).toBeNull();
    const running = await waitFor(provider, jupyter.providerInstanceId, inStatus('Running'));
    expect(running).toMatchObject({ username: 'root', sshPort: 22, ipIsPrivate: false, image: 'jupyter', diskGB: 100 });
    expect(running?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(running?.jupyterUrl).toMatch(new RegExp(`^http://${running?.ip}:8888/lab\\?token=[0-9a-f]{32}$`));
    expect((await waitFor(provider, plain.providerInstanceId, inStatus('Running')))?.jupyterUrl).toBeNull();
  });

  it('picks an image the instance type can boot (no open-module CUDA on V100)', async () => {
    const { sim, provider } = await harness();
    const v100 = { providerSkuId: '1V100.6V', location: { code: 'FIN-01' }, gpu: { count: 1 } } as ProviderOffer;
    const created = await provider.createInstance(request(v100));
    expect(sim.verda.instance(created.providerInstanceId)?.image).toBe('ubuntu-24.04-cuda-12.6-docker');
    await expect(provider.createInstance(request(v100, { image: 'windows-2022' }))).rejects.toMatchObject({
      kind: 'invalid_request',
    });
    await expect(provider.createInstance(request({ ...v100, providerSkuId: '1X999.1V' }))).rejects.toMatchObject({
      kind: 'invalid_request',
    });
  });

  it('reads a VM coming back from offline as Starting, then Running', async () => {
    const { sim, provider } = await harness({ transitionMs: 200 });
    const created = await provider.createInstance(request(h100Fin01));
    await waitFor(provider, created.providerInstanceId, inStatus('Running'));
    await provider.stopInstance(refOf(created));
    // A second shutdown is answered 204 (already in the requested state) and is fine.
    await provider.stopInstance(refOf(created));
    const stopped = await waitFor(provider, created.providerInstanceId, inStatus('Stopped'));
    expect(stopped?.providerStatus).toBe('offline');
    await provider.startInstance(refOf(created));
    const starting = await provider.getInstance(created.providerInstanceId);
    expect(starting).toMatchObject({ status: 'Starting', providerStatus: 'provisioning' });
    await waitFor(provider, created.providerInstanceId, inStatus('Running'));
    // Once our start has played out, a later `provisioning` is plain Provisioning again.
    sim.control.setRawStatus(created.providerInstanceId, 'provisioning');
    expect((await provider.getInstance(created.providerInstanceId))?.status).toBe('Provisioning');
  });

  it('refuses to delete a provisioning instance (retry_later), then deletes it with its OS volume for good', async () => {
    const { sim, provider, calls } = await harness({ transitionMs: 300 });
    const created = await provider.createInstance(request(h100Fin01));
    await waitFor(provider, created.providerInstanceId, (i) => i?.providerStatus === 'provisioning');
    const refused = await provider.deleteInstance(refOf(created)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'retry_later', status: 400 });
    expect((refused as ProviderError).message).toContain("Can't discontinue a provisioning instance");
    expect(calls.some((c) => c.method === 'PUT' && c.status === 400)).toBe(true);

    await waitFor(provider, created.providerInstanceId, inStatus('Running'));
    expect(await provider.deleteInstance(refOf(created))).toBe('accepted');
    expect((await provider.getInstance(created.providerInstanceId))?.status).toBe('Stopping');
    const osVolumeId = sim.verda.instance(created.providerInstanceId)?.osVolumeId;
    expect(sim.verda.volumes().find((v) => v.id === osVolumeId)).toMatchObject({ status: 'deleted', permanentlyDeleted: true });
    const destroyed = await waitFor(provider, created.providerInstanceId, inStatus('Destroyed'));
    expect(destroyed).toMatchObject({ providerStatus: 'discontinued', statusReason: null, ip: null });
  });

  it('saves the boot script as one startup script per VM, reuses it on a retried create and frees it on delete', async () => {
    const { sim, provider } = await harness({ transitionMs: 100 });
    const req = request(h100Fin01, { startupScript: 'echo hi\n', env: { MODEL: 'llama' } });
    const created = await provider.createInstance(req);
    const scripts = sim.verda.scripts().filter((s) => s.name === `gpufleet-${req.gpufleetId}`);
    expect(scripts).toHaveLength(1);
    expect(sim.verda.instance(created.providerInstanceId)?.startupScriptId).toBe(scripts[0]?.id);
    // Running before capacity goes away below: a VM still provisioning then would fail for want of capacity.
    await waitFor(provider, created.providerInstanceId, inStatus('Running'));
    // A create retried after an unknown outcome finds the script by name rather than saving a second one.
    // Refused, it leaves that script alone: the first instance may still boot with it.
    sim.control.setCapacity(false);
    await expect(provider.createInstance(req)).rejects.toMatchObject({ kind: 'capacity' });
    sim.control.setCapacity(true);
    expect(sim.verda.scripts().map((s) => s.id)).toEqual([scripts[0]?.id]);
    // A refused create that saved its own script takes it back.
    sim.control.setCapacity(false);
    const other = request(h100Fin01, { startupScript: 'echo other\n' });
    await expect(provider.createInstance(other)).rejects.toMatchObject({ kind: 'capacity' });
    sim.control.setCapacity(true);
    expect(sim.verda.scripts().filter((s) => s.name === `gpufleet-${other.gpufleetId}`)).toEqual([]);

    expect(await provider.deleteInstance(refOf(created))).toBe('accepted');
    expect(sim.verda.scripts()).toEqual([]);
    // No script, no environment: no startup script at all.
    const bare = await provider.createInstance(request(h100Fin01));
    expect(sim.verda.instance(bare.providerInstanceId)?.startupScriptId).toBeNull();
  });

  it('deletes an already discontinued instance as gone, also when only Verda knows it is', async () => {
    const { sim, provider, calls } = await harness({ lingerMs: 60_000 });
    const created = await provider.createInstance(request(h100Fin01));
    await waitFor(provider, created.providerInstanceId, inStatus('Running'));
    expect(await provider.deleteInstance(refOf(created))).toBe('accepted');
    await waitFor(provider, created.providerInstanceId, inStatus('Destroyed'));
    expect(await provider.deleteInstance(refOf(created))).toBe('gone');

    // The list still says running (stale view); Verda answers "Can't discontinue a discontinued instance".
    sim.control.setRawStatus(created.providerInstanceId, 'running');
    expect(await provider.deleteInstance(refOf(created))).toBe('gone');
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.status)).toEqual([202, 400]);
  });

  it('keeps state in a state file across a simulator restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verda-sim-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, 'verda.json');
    const first = await harness({ stateFile });
    const created = await first.provider.createInstance(request(h100Fin01));
    await first.sim.close();

    const second = await harness({ stateFile });
    const running = await waitFor(second.provider, created.providerInstanceId, inStatus('Running'));
    expect(running?.gpufleetId).toBe(created.gpufleetId);
    const another = await second.provider.createInstance(request(h100Fin01));
    expect(another.providerInstanceId).not.toBe(created.providerInstanceId);
    expect(second.sim.verda.sshKeys()).toHaveLength(1);
  });
});

describe('verda capacity and spot', () => {
  it('reads a synchronous 503 "Not enough resources" as capacity, and shows the offer unavailable', async () => {
    const { sim, provider } = await harness();
    sim.control.setCapacity(false, { providerSkuId: '1H100.80S.30V', locationCode: 'FIN-01' });
    const error = await provider.createInstance(request(h100Fin01)).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'capacity', provider: 'verda', status: 503, providerCode: 'service_unavailable' });
    const offers = await provider.listOffers();
    const find = (sku: string, location: string) =>
      offers.find((o) => o.providerSkuId === sku && o.location.code === location && !o.spot);
    expect(find('1H100.80S.30V', 'FIN-01')?.available).toBe(false);
    expect(find('2H100.80S.60V', 'FIN-01')?.available).toBe(true);
    expect(sim.control.liveInstanceIds()).toEqual([]);
  });

  it('reads an asynchronous no_capacity as Error with reason capacity', async () => {
    const { sim, provider } = await harness({ transitionMs: 300 });
    const created = await provider.createInstance(request(h100Fin01));
    // The host is gone before the instance is placed.
    sim.control.setCapacity(false);
    const failed = await waitFor(provider, created.providerInstanceId, inStatus('Error'));
    expect(failed).toMatchObject({ statusReason: 'capacity', providerStatus: 'no_capacity' });
    expect(await provider.deleteInstance(refOf(created))).toBe('accepted');
    await waitFor(provider, created.providerInstanceId, inStatus('Destroyed'));
  });

  it('takes capacity with each instance and gives it back on delete', async () => {
    const { provider } = await harness();
    const available = async (sku: string) =>
      (await provider.listOffers()).find((o) => o.providerSkuId === sku && o.location.code === 'ICE-01' && !o.spot)?.available;
    expect(await available('1H100.80S.30V')).toBe(true);
    const big = await provider.createInstance(
      request({ providerSkuId: '4H100.80S.176V', location: { code: 'ICE-01' }, gpu: { count: 4 } } as ProviderOffer),
    );
    await waitFor(provider, big.providerInstanceId, inStatus('Running'));
    expect(await available('1H100.80S.30V')).toBe(false);
    await provider.deleteInstance(refOf(big));
    await waitFor(provider, big.providerInstanceId, inStatus('Destroyed'));
    expect(await available('1H100.80S.30V')).toBe(true);
  });

  it('queries spot and on-demand availability separately', async () => {
    const { sim, provider, calls } = await harness();
    const offers = await provider.listOffers();
    const find = (sku: string, location: string, spot: boolean) =>
      offers.find((o) => o.providerSkuId === sku && o.location.code === location && o.spot === spot);
    // The simulated cloud has A6000s in FIN-01 on demand only, and V100s in ICE-01 as spot only.
    expect(find('1A6000.10V', 'FIN-01', false)?.available).toBe(true);
    expect(find('1A6000.10V', 'FIN-01', true)?.available).toBe(false);
    expect(find('1V100.6V', 'ICE-01', false)?.available).toBe(false);
    expect(find('1V100.6V', 'ICE-01', true)?.available).toBe(true);
    expect(find('1V100.6V', 'ICE-01', true)?.pricePerHour).toEqual({ amount: 0.14, currency: 'usd' });
    expect(sim.control.requestCounts()['GET /instance-availability']).toBe(2);
    expect(calls.filter((c) => c.route === '/instance-availability')).toHaveLength(2);
    // GPU counts 1, 2, 4 and 8, all as VMs with the GPU spec filled in.
    expect(new Set(offers.map((o) => o.gpu.count))).toEqual(new Set([1, 2, 4, 8]));
    expect(find('8H100.80S.176V', 'FIN-01', false)?.gpu).toEqual({
      model: 'H100',
      vendor: 'NVIDIA',
      memoryGiB: 80,
      count: 8,
      interconnect: 'SXM',
    });
  });

  it('quotes prices in euro when the account says so', async () => {
    const { connect } = await harness();
    const offers = await connect(undefined, { currency: 'eur' }).listOffers();
    expect(offers.find((o) => o.providerSkuId === '1H100.80S.30V' && !o.spot)?.pricePerHour).toEqual({
      amount: 2.1068,
      currency: 'eur',
    });
  });

  it('reads a spot eviction as Destroyed/preempted, with the OS volume deleted for good', async () => {
    const { sim, provider } = await harness({ lingerMs: 400 });
    const spotOffer = { providerSkuId: '1H100.80S.30V', location: { code: 'FIN-01' }, gpu: { count: 1 } } as ProviderOffer;
    const created = await provider.createInstance(request(spotOffer, { spot: true }));
    expect(created.spot).toBe(true);
    const running = await waitFor(provider, created.providerInstanceId, inStatus('Running'));
    expect(running?.pricePerHour).toEqual({ amount: 0.89, currency: 'usd' });
    const osVolumeId = sim.verda.instance(created.providerInstanceId)?.osVolumeId;

    sim.control.preempt(created.providerInstanceId);
    expect(await provider.getInstance(created.providerInstanceId)).toMatchObject({
      status: 'Destroyed',
      statusReason: 'preempted',
      providerStatus: 'discontinued',
    });
    const listed = (await provider.listInstances()).find((i) => i.providerInstanceId === created.providerInstanceId);
    expect(listed?.statusReason).toBe('preempted');
    expect(sim.control.liveInstanceIds()).not.toContain(created.providerInstanceId);
    expect(sim.verda.volumes().find((v) => v.id === osVolumeId)).toMatchObject({ status: 'deleted', permanentlyDeleted: true });
    // Discontinued instances linger in the list for a while, then vanish.
    expect(await waitFor(provider, created.providerInstanceId, (i) => i === null)).toBeNull();
    expect(await provider.deleteInstance(refOf(created))).toBe('gone');
  });
});

describe('verda rate limits', () => {
  it("sends Verda's rate-limit headers and enforces the per-endpoint limit with a 429 and Retry-After", async () => {
    const { sim } = await harness({ rateLimits: { endpointQuota: 60, projectQuota: 500 } });
    const token = await rawToken(sim);
    const get = (path: string) => fetch(`${sim.baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    const first = await get('/locations');
    expect(first.headers.get('ratelimit-policy')).toBe('"project";q=500;w=60, "endpoint";q=60;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"project";r=499;t=\d+, "endpoint";r=59;t=\d+$/);
    expect((await get('/instances')).headers.get('ratelimit-policy')).toContain('"endpoint";q=120');
    for (let i = 1; i < 60; i++) await get('/locations');
    const limited = await get('/locations');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ code: 'rate_limit_exceeded' });
    // Other paths have their own endpoint budget.
    expect((await get('/balance')).status).toBe(200);
  });

  it('waits out a spent endpoint budget instead of failing', async () => {
    const { provider, calls } = await harness({ rateLimits: { windowSec: 2, endpointQuota: 5, projectQuota: 1_000 } });
    const created = await provider.createInstance(request(h100Fin01));
    const started = Date.now();
    for (let i = 0; i < 8; i++) await provider.getInstance(created.providerInstanceId);
    // The create read the instance once; the budget of 5 ran out and the adapter waited for the window.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(calls.filter((c) => c.route === '/instances/{id}' && c.status === 200)).toHaveLength(9);
  });

  it('surfaces a wait longer than it accepts as rate_limited with retryAfterMs', async () => {
    const { provider } = await harness(
      { rateLimits: { windowSec: 60, endpointQuota: 3, projectQuota: 1_000 } },
      { maxRetryWaitMs: 50 },
    );
    const created = await provider.createInstance(request(h100Fin01));
    await provider.getInstance(created.providerInstanceId);
    await provider.getInstance(created.providerInstanceId);
    const error = await provider.getInstance(created.providerInstanceId).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'rate_limited', provider: 'verda', status: 429 });
    expect((error as ProviderError).retryAfterMs).toBeGreaterThan(50_000);
  });
});
