import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { VolumeStatus } from '../../core/domain/types.ts';
import { ProviderError } from '../../core/provider/errors.ts';
import type { CreateInstanceRequest, InstanceRef, ProviderVolume } from '../../core/provider/provider.ts';
import { VERDA_VOLUME_CAPABILITIES, VerdaProvider } from './adapter.ts';
import { SIM_BLOCK_VOLUME_TYPES } from './simulator/catalog.ts';
import { type RunningVerdaSimulator, startVerdaSimulator, type VerdaSimulatorOptions } from './simulator/server.ts';
import { NOT_SHUT_DOWN, SIM_VOLUME_LIMITS, VERDA_VOLUME_STATUSES } from './simulator/volumes.ts';
import {
  attachedInstanceIdsOf,
  listPriceOf,
  mapVerdaVolumeStatus,
  readVolumeName,
  taggedVolumeName,
  VERDA_VOLUME_STATUS_RULES,
  VerdaVolumeStatusMapper,
  VOLUME_NAME_MAX,
  volumePriceOf,
} from './volumes.ts';
import type { VolumeWire } from './wire.ts';

const ROOMY_LIMITS = { projectQuota: 100_000, endpointQuota: 100_000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startSim(options: VerdaSimulatorOptions = {}): Promise<RunningVerdaSimulator> {
  const sim = await startVerdaSimulator({
    // Long enough that a state read right after a request still sees the one in between, even on a busy machine.
    transitionMs: 200,
    seed: 21,
    ...options,
    rateLimits: options.rateLimits ?? ROOMY_LIMITS,
  });
  onTestFinished(() => sim.close());
  return sim;
}

async function tokenFor(sim: RunningVerdaSimulator): Promise<string> {
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

type Api = (method: string, path: string, body?: unknown, auth?: boolean) => Promise<Response>;

/** Straight HTTP against the simulator, as a client of Verda's API would talk to it. */
async function api(
  sim: RunningVerdaSimulator,
): Promise<{ call: Api; json: <T>(method: string, path: string, body?: unknown) => Promise<T> }> {
  const token = await tokenFor(sim);
  const call: Api = (method, path, body, auth = true) =>
    fetch(`${sim.baseUrl}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async <T>(method: string, path: string, body?: unknown) => (await (await call(method, path, body)).json()) as T;
  return { call, json };
}

interface WireVolume {
  id: string;
  status: string;
  name: string;
  size: number;
  instance_id: string | null;
  instances: { id: string }[];
  target: string | null;
  monthly_price: number;
  is_permanently_deleted?: boolean;
  deleted_at?: string;
  pseudo_path?: string;
  [key: string]: unknown;
}

async function createRaw(call: Api, body: Record<string, unknown>): Promise<string> {
  const response = await call('POST', '/volumes', { type: 'NVMe', location_code: 'FIN-01', size: 100, name: 'data', ...body });
  expect(response.status).toBe(202);
  return response.text();
}

async function deployRaw(call: Api, extra: Record<string, unknown> = {}, location = 'FIN-01'): Promise<string> {
  const response = await call('POST', '/instances', {
    instance_type: '1H100.80S.30V',
    image: 'ubuntu-24.04',
    hostname: `vol-${Math.floor(Math.random() * 1e6)}`,
    description: 'volume test',
    location_code: location,
    ...extra,
  });
  expect(response.status).toBe(202);
  return response.text();
}

async function volumeStatus(call: Api, id: string): Promise<string> {
  return ((await (await call('GET', `/volumes/${id}`)).json()) as WireVolume).status;
}

async function untilVolume(call: Api, id: string, status: string): Promise<void> {
  await expect.poll(() => volumeStatus(call, id), { timeout: 5_000, interval: 20 }).toBe(status);
}

async function untilInstance(call: Api, id: string, status: string): Promise<void> {
  const statusOf = async () => ((await (await call('GET', `/instances/${id}`)).json()) as { status: string }).status;
  await expect.poll(statusOf, { timeout: 5_000, interval: 20 }).toBe(status);
}

/** node:http sends no User-Agent unless told to (fetch always adds one). */
function withoutUserAgent(sim: RunningVerdaSimulator, token: string, method: string, path: string, body: unknown) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      new URL(`${sim.baseUrl}${path}`),
      { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('verda simulator: block volumes over HTTP', () => {
  it('creates a volume answering 202 with the bare id, ordered then detached, deleted for good answering 204 after', async () => {
    const sim = await startSim();
    const { call, json } = await api(sim);
    const created = await call('POST', '/volumes', { type: 'NVMe', location_code: 'FIN-01', size: 100, name: 'data' });
    expect(created.status).toBe(202);
    expect(created.headers.get('content-type')).toContain('text/plain');
    const id = await created.text();
    expect(id).toMatch(UUID);

    const ordered = await json<WireVolume>('GET', `/volumes/${id}`);
    expect(ordered).toMatchObject({ id, status: 'ordered', instance_id: null, instances: [], is_os_volume: false, target: null });
    await untilVolume(call, id, 'detached');
    const detached = await json<WireVolume>('GET', `/volumes/${id}`);
    expect(detached).toMatchObject({ size: 100, type: 'NVMe', location: 'FIN-01', monthly_price: 20, currency: 'usd' });
    expect(detached.pseudo_path).toBeTypeOf('string');
    expect(detached).not.toHaveProperty('is_permanently_deleted');
    expect((await json<WireVolume[]>('GET', '/volumes?status=detached')).map((v) => v.id)).toContain(id);
    expect(await json<WireVolume[]>('GET', '/volumes?status=attached')).toEqual([]);
    const badFilter = await call('GET', '/volumes?status=bogus');
    expect(badFilter.status).toBe(400);
    expect(await badFilter.json()).toMatchObject({ code: 'invalid_request' });

    const deleted = await call('DELETE', `/volumes/${id}`, { is_permanent: true });
    expect(deleted.status).toBe(202);
    expect(await deleted.text()).toBe('');
    expect(await volumeStatus(call, id)).toBe('deleting');
    await untilVolume(call, id, 'deleted');
    // The deleted shape: deleted_at and is_permanently_deleted, no mount details.
    const gone = await json<WireVolume>('GET', `/volumes/${id}`);
    expect(gone).toMatchObject({ status: 'deleted', is_permanently_deleted: true });
    expect(gone.deleted_at).toBeTypeOf('string');
    expect(gone).not.toHaveProperty('pseudo_path');
    expect((await json<WireVolume[]>('GET', '/volumes')).map((v) => v.id)).not.toContain(id);
    expect((await json<WireVolume[]>('GET', '/volumes?status=deleted')).map((v) => v.id)).toContain(id);
    expect(await json<WireVolume[]>('GET', '/volumes/trash')).toEqual([
      expect.objectContaining({ id, is_permanently_deleted: true }),
    ]);
    expect(sim.control.liveVolumeIds?.()).not.toContain(id);
    const again = await call('DELETE', `/volumes/${id}`, { is_permanent: true });
    expect(again.status).toBe(204);

    const unknown = await call('GET', `/volumes/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ code: 'not_found', message: 'Invalid volume id' });
    expect((await call('GET', '/volumes/not-a-uuid')).status).toBe(400);
    expect((await call('DELETE', `/volumes/${randomUUID()}`, { is_permanent: true })).status).toBe(404);
  });

  it('refuses a create Verda would refuse', async () => {
    const sim = await startSim();
    const { call } = await api(sim);
    const refused = async (body: Record<string, unknown>) => {
      const response = await call('POST', '/volumes', body);
      return { status: response.status, body: (await response.json()) as { code: string; message: string } };
    };
    const valid = { type: 'NVMe', location_code: 'FIN-01', size: 50, name: 'x' };
    // location_code has been required since 2026-03-19.
    expect(await refused({ ...valid, location_code: undefined })).toEqual({
      status: 400,
      body: { code: 'invalid_request', message: 'location_code is required' },
    });
    for (const body of [
      { ...valid, location_code: 'MARS-01' },
      { ...valid, size: 0 },
      { ...valid, size: 10.5 },
      { ...valid, size: SIM_VOLUME_LIMITS.maxSizeGB + 1 },
      { ...valid, type: 'SSD' },
      { ...valid, type: 'NVMe_Shared' },
      { ...valid, name: ' ' },
      { ...valid, instance_id: randomUUID() },
    ]) {
      const answer = await refused(body);
      expect(answer.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(answer.status, JSON.stringify(body)).toBeLessThan(500);
    }
    const noUserAgent = await withoutUserAgent(sim, await tokenFor(sim), 'POST', '/volumes', valid);
    expect(noUserAgent.status).toBe(400);
    expect(JSON.parse(noUserAgent.body)).toEqual({ code: 'invalid_request', message: 'user-agent header is required' });
    const noToken = await call('POST', '/volumes', valid, false);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ code: 'unauthorized_request' });
    expect(sim.control.liveVolumeIds?.()).toEqual([]);
  });

  it('attaches and detaches only while the instance is shut down, and only within its location', async () => {
    const sim = await startSim();
    const { call, json } = await api(sim);
    const instance = await deployRaw(call);
    const local = await createRaw(call, { name: 'local' });
    const remote = await createRaw(call, { name: 'remote', location_code: 'FIN-03' });
    await untilInstance(call, instance, 'running');
    await untilVolume(call, local, 'detached');
    await untilVolume(call, remote, 'detached');

    const whileRunning = await call('PUT', '/volumes', { action: 'attach', id: local, instance_id: instance });
    expect(whileRunning.status).toBe(403);
    expect(await whileRunning.json()).toEqual({ code: 'forbidden_action', message: NOT_SHUT_DOWN });
    const createdForRunning = await call('POST', '/volumes', {
      type: 'NVMe',
      location_code: 'FIN-01',
      size: 10,
      name: 'x',
      instance_id: instance,
    });
    expect(createdForRunning.status).toBe(403);
    expect(await createdForRunning.json()).toEqual({ code: 'forbidden_action', message: NOT_SHUT_DOWN });

    expect((await call('PUT', '/instances', { action: 'shutdown', id: instance })).status).toBe(202);
    await untilInstance(call, instance, 'offline');
    const elsewhere = await call('PUT', '/volumes', { action: 'attach', id: remote, instance_id: instance });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.json()).toMatchObject({ code: 'invalid_request' });

    const attach = await call('PUT', '/volumes', { action: 'attach', id: [local], instance_id: instance });
    expect(attach.status).toBe(202);
    expect(await attach.text()).toBe('');
    expect(await volumeStatus(call, local)).toBe('attaching');
    await untilVolume(call, local, 'attached');
    const attached = await json<WireVolume>('GET', `/volumes/${local}`);
    expect(attached).toMatchObject({
      instance_id: instance,
      target: 'vdb',
      instances: [expect.objectContaining({ id: instance })],
    });
    expect((await json<{ volume_ids: string[] }>('GET', `/instances/${instance}`)).volume_ids).toContain(local);
    // Attaching again to the same instance changes nothing.
    expect((await call('PUT', '/volumes', { action: 'attach', id: local, instance_id: instance })).status).toBe(202);

    expect((await call('PUT', '/instances', { action: 'start', id: instance })).status).toBe(202);
    await untilInstance(call, instance, 'running');
    for (const [method, path, body] of [
      ['PUT', '/volumes', { action: 'detach', id: local }],
      ['PUT', '/volumes', { action: 'delete', id: local, is_permanent: true }],
      ['DELETE', `/volumes/${local}`, { is_permanent: true }],
    ] as const) {
      const refused = await call(method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(await refused.json()).toEqual({ code: 'forbidden_action', message: NOT_SHUT_DOWN });
    }
    expect(await volumeStatus(call, local)).toBe('attached');

    expect((await call('PUT', '/instances', { action: 'shutdown', id: instance })).status).toBe(202);
    await untilInstance(call, instance, 'offline');
    const wrongInstance = await call('PUT', '/volumes', { action: 'detach', id: local, instance_id: randomUUID() });
    expect(wrongInstance.status).toBe(400);
    expect((await call('PUT', '/volumes', { action: 'detach', id: local, instance_id: instance })).status).toBe(202);
    expect(await volumeStatus(call, local)).toBe('detaching');
    await untilVolume(call, local, 'detached');
    expect(await json<WireVolume>('GET', `/volumes/${local}`)).toMatchObject({ instance_id: null, instances: [], target: null });

    // Created for a shut-down instance: attached once it exists.
    const forOffline = await createRaw(call, { name: 'for-offline', instance_ids: [instance] });
    await untilVolume(call, forOffline, 'attached');
    expect((await json<WireVolume>('GET', `/volumes/${forOffline}`)).instance_id).toBe(instance);
  });

  it('answers the other actions like Verda: rename and resize at once, resize only up, restore from the trash, clone', async () => {
    const sim = await startSim();
    const { call, json } = await api(sim);
    const id = await createRaw(call, { name: 'data', size: 100 });
    await untilVolume(call, id, 'detached');

    expect((await call('PUT', '/volumes', { action: 'rename', id, name: 'renamed' })).status).toBe(202);
    expect((await json<WireVolume>('GET', `/volumes/${id}`)).name).toBe('renamed');
    expect((await call('PUT', '/volumes', { action: 'rename', id, name: '' })).status).toBe(400);

    expect((await call('PUT', '/volumes', { action: 'resize', id, size: 200 })).status).toBe(202);
    expect(await json<WireVolume>('GET', `/volumes/${id}`)).toMatchObject({ size: 200, status: 'detached', monthly_price: 40 });
    expect((await call('PUT', '/volumes', { action: 'resize', id, size: 200 })).status).toBe(202);
    const smaller = await call('PUT', '/volumes', { action: 'resize', id, size: 150 });
    expect(smaller.status).toBe(400);
    expect(((await smaller.json()) as { message: string }).message).toContain("can't be lower than current size");

    // To the trash (is_permanent false), then back.
    expect((await call('PUT', '/volumes', { action: 'delete', id })).status).toBe(202);
    await untilVolume(call, id, 'deleted');
    expect(await json<WireVolume[]>('GET', '/volumes/trash')).toEqual([
      expect.objectContaining({ id, is_permanently_deleted: false }),
    ]);
    expect((await call('DELETE', `/volumes/${id}`, { is_permanent: false })).status).toBe(204);
    expect((await call('PUT', '/volumes', { action: 'restore', id })).status).toBe(202);
    expect(await volumeStatus(call, id)).toBe('restoring');
    await untilVolume(call, id, 'detached');
    expect(await json<WireVolume[]>('GET', '/volumes/trash')).toEqual([]);

    // The spec: "The `clone` action returns its destination volume ID: {"id":"..."}".
    const cloned = await call('PUT', '/volumes', { action: 'clone', id });
    expect(cloned.status).toBe(202);
    const copy = ((await cloned.json()) as { id: string }).id;
    expect(copy).toMatch(UUID);
    expect(await volumeStatus(call, copy)).toBe('cloning');
    await untilVolume(call, copy, 'detached');
    expect(await json<WireVolume>('GET', `/volumes/${copy}`)).toMatchObject({ name: 'renamed-clone', size: 200 });

    for (const body of [
      { action: 'export', id },
      { action: 'transfer', id },
      { action: 'explode', id },
      { action: 'rename', name: 'no id' },
      { id },
    ]) {
      const answer = await call('PUT', '/volumes', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(await answer.json()).toMatchObject({ code: 'invalid_request' });
    }
    const unknown = await call('PUT', '/volumes', { action: 'rename', id: randomUUID(), name: 'x' });
    expect(unknown.status).toBe(404);
    // One bad id in a list: nothing is done.
    expect((await call('PUT', '/volumes', { action: 'rename', id: [id, randomUUID()], name: 'both' })).status).toBe(404);
    expect((await json<WireVolume>('GET', `/volumes/${id}`)).name).toBe('renamed');
    const noUserAgent = await withoutUserAgent(sim, await tokenFor(sim), 'PUT', '/volumes', { action: 'rename', id, name: 'x' });
    expect(noUserAgent.status).toBe(400);
  });

  it('lists volume types publicly, with prices per GB-month', async () => {
    const sim = await startSim();
    const response = await fetch(`${sim.baseUrl}/volume-types`);
    expect(response.status).toBe(200);
    const types = (await response.json()) as {
      type: string;
      price: { price_per_month_per_gb: number; cps_per_gb: number; currency: string };
      is_shared_fs: boolean;
    }[];
    expect(types.find((t) => t.type === 'NVMe')).toMatchObject({
      price: { price_per_month_per_gb: 0.2, currency: 'usd' },
      is_shared_fs: false,
    });
    expect(types.find((t) => t.type === 'NVMe')?.price.cps_per_gb).toBeCloseTo(7.6103500761035e-8, 15);
    expect(types.find((t) => t.type === 'HDD')?.is_shared_fs).toBe(false);
    expect(types.find((t) => t.type === 'NVMe_Shared')?.is_shared_fs).toBe(true);
  });

  it('applies injected faults, token expiry and rate limits to the volume routes as to the others', async () => {
    const sim = await startSim({ rateLimits: { projectQuota: 1_000, endpointQuota: 100, overrides: { 'GET /v1/volumes': 3 } } });
    const { call } = await api(sim);
    const id = await createRaw(call, {});

    sim.control.rateLimitNext(1, 3);
    const limited = await call('GET', '/volumes');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toMatchObject({ code: 'rate_limit_exceeded' });

    sim.control.setFaults({ errorRate: 1 });
    const failed = await call('POST', '/volumes', { type: 'NVMe', location_code: 'FIN-01', size: 10, name: 'x' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ code: 'server_error' });
    sim.control.reset();

    sim.control.malformNext(1);
    expect(((await (await call('GET', `/volumes/${id}`)).json()) as { id: unknown }).id).toBe(404);
    sim.control.malformNext(1);
    expect(await (await call('POST', '/volumes', { type: 'NVMe', location_code: 'FIN-01', size: 10, name: 'y' })).text()).toBe(
      '{"id":null}',
    );

    // Verda's own budget: `GET /volumes` has an override (120 on the real API, 3 here).
    const first = await call('GET', '/volumes');
    expect(first.headers.get('ratelimit-policy')).toContain('"endpoint";q=3');
    await call('GET', '/volumes');
    await call('GET', '/volumes');
    const spent = await call('GET', '/volumes');
    expect(spent.status).toBe(429);
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call('PUT', '/volumes', { action: 'rename', id, name: 'z' })).headers.get('ratelimit-policy')).toContain(
      '"endpoint";q=100',
    );

    sim.control.expireTokens();
    const expired = await call('GET', `/volumes/${id}`);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: 'unauthorized_request' });
  });

  it('deploys with existing detached volumes of its location, attached when placed, and keeps them when deleted', async () => {
    const sim = await startSim();
    const { call, json } = await api(sim);
    const local = await createRaw(call, { name: 'local' });
    const remote = await createRaw(call, { name: 'remote', location_code: 'FIN-03' });
    await untilVolume(call, local, 'detached');
    await untilVolume(call, remote, 'detached');

    for (const existing of [[remote], [randomUUID()], 'not-a-list']) {
      const refused = await call('POST', '/instances', {
        instance_type: '1H100.80S.30V',
        image: 'ubuntu-24.04',
        hostname: 'refused',
        description: '',
        location_code: 'FIN-01',
        existing_volumes: existing,
      });
      expect(refused.status, JSON.stringify(existing)).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 'invalid_request' });
    }
    expect(sim.control.liveInstanceIds()).toEqual([]);

    const instance = await deployRaw(call, {
      existing_volumes: [local],
      volumes: [{ name: 'scratch', size: 20, type: 'HDD' }],
    });
    // Reserved until the instance is placed.
    expect(await json<WireVolume>('GET', `/volumes/${local}`)).toMatchObject({ status: 'attaching', instance_id: instance });
    await untilInstance(call, instance, 'running');
    expect(await json<WireVolume>('GET', `/volumes/${local}`)).toMatchObject({ status: 'attached', target: 'vdb' });
    const view = await json<{ os_volume_id: string; volume_ids: string[] }>('GET', `/instances/${instance}`);
    expect(view.volume_ids).toHaveLength(3);
    const scratch = view.volume_ids.find((v) => v !== local && v !== view.os_volume_id) ?? '';
    expect(await json<WireVolume>('GET', `/volumes/${scratch}`)).toMatchObject({
      name: 'scratch',
      type: 'HDD',
      status: 'attached',
    });
    // Attached now, so no second instance can take it.
    const taken = await call('POST', '/instances', {
      instance_type: '1H100.80S.30V',
      image: 'ubuntu-24.04',
      hostname: 'taken',
      description: '',
      location_code: 'FIN-01',
      existing_volumes: [local],
    });
    expect(taken.status).toBe(400);

    // How gpufleet deletes: only the OS volume named, deleted for good; the data volumes are detached and kept.
    const deleted = await call('PUT', '/instances', {
      action: 'delete',
      id: instance,
      volume_ids: [view.os_volume_id],
      delete_permanently: true,
    });
    expect(deleted.status).toBe(202);
    for (const id of [local, scratch]) {
      expect(await json<WireVolume>('GET', `/volumes/${id}`)).toMatchObject({
        status: 'detached',
        instance_id: null,
        target: null,
      });
    }
    expect(await json<WireVolume>('GET', `/volumes/${view.os_volume_id}`)).toMatchObject({
      status: 'deleted',
      is_permanently_deleted: true,
    });
    expect(sim.control.liveVolumeIds?.().sort()).toEqual([local, remote, scratch].sort());
  });

  it('takes at most eight data volumes per instance', async () => {
    const sim = await startSim();
    const { call } = await api(sim);
    const ids: string[] = [];
    for (let i = 0; i <= SIM_VOLUME_LIMITS.perInstance; i++) ids.push(await createRaw(call, { name: `v${i}`, size: 1 }));
    for (const id of ids) await untilVolume(call, id, 'detached');
    const tooMany = await call('POST', '/instances', {
      instance_type: '1H100.80S.30V',
      image: 'ubuntu-24.04',
      hostname: 'many',
      description: '',
      location_code: 'FIN-01',
      existing_volumes: ids,
    });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { message: string }).message).toContain('at most 8');
    await deployRaw(call, { existing_volumes: ids.slice(0, SIM_VOLUME_LIMITS.perInstance) });
  });
});

interface Harness {
  sim: RunningVerdaSimulator;
  provider: VerdaProvider;
  calls: { method: string; route: string; status: number }[];
  call: Api;
}

async function harness(options: VerdaSimulatorOptions = {}): Promise<Harness> {
  const sim = await startSim(options);
  const calls: Harness['calls'] = [];
  const provider = new VerdaProvider(
    { accountId: randomUUID(), name: 'verda volumes', baseUrl: sim.baseUrl, credentials: sim.account.credentials, settings: {} },
    { logger: { info() {}, warn() {}, error() {} }, onProviderCall: (c) => calls.push(c) },
  );
  onTestFinished(() => provider.close());
  const { call } = await api(sim);
  return { sim, provider, calls, call };
}

const fin01 = (extra: Partial<CreateInstanceRequest> = {}): CreateInstanceRequest => ({
  gpufleetId: randomUUID(),
  name: 'volume-vm',
  providerSkuId: '1H100.80S.30V',
  locationCode: 'FIN-01',
  gpuCount: 1,
  spot: false,
  image: 'ubuntu-24.04',
  username: null,
  sshPublicKeys: [],
  ...extra,
});

const refOfInstance = (id: string, locationCode = 'FIN-01'): InstanceRef => ({
  providerInstanceId: id,
  providerSkuId: '1H100.80S.30V',
  locationCode,
  gpuCount: 1,
  spot: false,
  pricePerHour: null,
});

async function untilListed(
  provider: VerdaProvider,
  id: string,
  wanted: VolumeStatus | 'absent',
  timeoutMs = 5_000,
): Promise<ProviderVolume | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: ProviderVolume | undefined;
  while (Date.now() < deadline) {
    last = (await provider.listVolumes()).find((v) => v.providerVolumeId === id);
    if (wanted === 'absent' ? !last : last?.status === wanted) return last;
    await sleep(20);
  }
  throw new Error(`volume ${id} never reached ${wanted}; last ${last?.status} (${last?.providerStatus})`);
}

async function untilInstanceStatus(provider: VerdaProvider, id: string, status: string): Promise<void> {
  await expect.poll(async () => (await provider.getInstance(id))?.status, { timeout: 5_000, interval: 20 }).toBe(status);
}

describe('verda adapter: volumes', () => {
  it('declares what the simulated Verda enforces', () => {
    expect(VERDA_VOLUME_CAPABILITIES).toMatchObject({
      minSizeGB: SIM_VOLUME_LIMITS.minSizeGB,
      maxSizeGB: SIM_VOLUME_LIMITS.maxSizeGB,
      maxPerInstance: SIM_VOLUME_LIMITS.perInstance,
      attachRequiresStopped: true,
    });
    expect([...VERDA_VOLUME_CAPABILITIES.types]).toEqual([...SIM_BLOCK_VOLUME_TYPES]);
  });

  it('tags a volume through its name and reads the tag back, across a rename', async () => {
    const { sim, provider } = await harness();
    const gpufleetId = randomUUID();
    const created = await provider.createVolume({
      gpufleetId,
      name: 'Training Data (v2)',
      sizeGB: 100,
      locationCode: 'FIN-01',
      type: 'NVMe',
    });
    const record = () => sim.verda.volumes().find((v) => v.id === created.providerVolumeId);
    expect(record()?.name).toBe(`training-data-v2--gf-${gpufleetId}`);
    expect(created).toMatchObject({
      gpufleetId,
      name: 'training-data-v2',
      status: 'Creating',
      providerStatus: 'ordered',
      sizeGB: 100,
      type: 'NVMe',
      locationCode: 'FIN-01',
      attachedInstanceIds: [],
      pricePerGBMonth: { amount: 0.2, currency: 'usd' },
    });
    expect(created.createdAt).toBeTypeOf('string');
    const ready = await untilListed(provider, created.providerVolumeId, 'Available');
    expect(ready).toMatchObject({ gpufleetId, name: 'training-data-v2', providerStatus: 'detached' });

    await provider.renameVolume({ providerVolumeId: created.providerVolumeId, locationCode: 'FIN-01' }, 'Renamed: Set #3');
    expect(record()?.name).toBe(`renamed-set-3--gf-${gpufleetId}`);
    const renamed = (await provider.listVolumes()).find((v) => v.providerVolumeId === created.providerVolumeId);
    expect(renamed).toMatchObject({ gpufleetId, name: 'renamed-set-3' });

    await provider.renameVolume({ providerVolumeId: created.providerVolumeId, locationCode: 'FIN-01' }, 'x'.repeat(200));
    expect(record()?.name.length).toBeLessThanOrEqual(VOLUME_NAME_MAX);
    expect((await provider.listVolumes()).find((v) => v.providerVolumeId === created.providerVolumeId)?.gpufleetId).toBe(
      gpufleetId,
    );
  });

  it('lists volumes it did not create untagged, and leaves OS volumes out', async () => {
    const { sim, provider, call } = await harness();
    const foreign = await createRaw(call, { name: 'Console Volume', type: 'HDD', size: 40 });
    const instance = await provider.createInstance(fin01());
    await untilInstanceStatus(provider, instance.providerInstanceId, 'Running');
    const listed = await untilListed(provider, foreign, 'Available');
    expect(listed).toMatchObject({
      gpufleetId: null,
      name: 'Console Volume',
      type: 'HDD',
      pricePerGBMonth: { amount: 0.05, currency: 'usd' },
    });
    const osVolumeId = sim.verda.instance(instance.providerInstanceId)?.osVolumeId;
    expect(osVolumeId).toBeTruthy();
    expect((await provider.listVolumes()).map((v) => v.providerVolumeId)).toEqual([foreign]);
    // Renaming an untagged volume adds no tag.
    await provider.renameVolume({ providerVolumeId: foreign, locationCode: 'FIN-01' }, 'Still Foreign');
    expect((await provider.listVolumes())[0]).toMatchObject({ name: 'still-foreign', gpufleetId: null });
  });

  it('refuses, typed, what Verda would refuse', async () => {
    const { provider, calls, call } = await harness();
    const base = { gpufleetId: randomUUID(), name: 'x', locationCode: 'FIN-01', sizeGB: 10, type: 'NVMe' };
    for (const bad of [{ type: 'NVMe_Shared' }, { type: 'SSD' }, { sizeGB: 0 }, { sizeGB: 2.5 }, { sizeGB: 10_001 }]) {
      await expect(provider.createVolume({ ...base, ...bad }), JSON.stringify(bad)).rejects.toMatchObject({
        kind: 'invalid_request',
        provider: 'verda',
      });
    }
    expect(calls.filter((c) => c.method === 'POST' && c.route === '/volumes')).toEqual([]);

    const volume = await provider.createVolume(base);
    const ref = { providerVolumeId: volume.providerVolumeId, locationCode: 'FIN-01' };
    await untilListed(provider, volume.providerVolumeId, 'Available');
    await provider.resizeVolume(ref, 20);
    await expect(provider.resizeVolume(ref, 15)).rejects.toMatchObject({ kind: 'invalid_request', status: 400 });

    const instance = await provider.createInstance(fin01());
    await untilInstanceStatus(provider, instance.providerInstanceId, 'Running');
    const running = refOfInstance(instance.providerInstanceId);
    const attachWhileRunning = await provider.attachVolume(ref, running).catch((e: unknown) => e);
    expect(attachWhileRunning).toBeInstanceOf(ProviderError);
    expect(attachWhileRunning).toMatchObject({ kind: 'conflict', status: 403, providerCode: 'forbidden_action' });
    expect((attachWhileRunning as ProviderError).message).toContain(NOT_SHUT_DOWN);
    await expect(provider.attachVolume(ref, refOfInstance(instance.providerInstanceId, 'FIN-03'))).rejects.toMatchObject({
      kind: 'invalid_request',
    });
    await expect(provider.attachVolume(ref, refOfInstance(randomUUID()))).rejects.toMatchObject({ kind: 'not_found' });

    // Attached (at create): deleting is a conflict, and Verda is not asked.
    const attachedVolume = await provider.createVolume({ ...base, gpufleetId: randomUUID() });
    await untilListed(provider, attachedVolume.providerVolumeId, 'Available');
    const attachedRef = { providerVolumeId: attachedVolume.providerVolumeId, locationCode: 'FIN-01' };
    const withVolume = await provider.createInstance(fin01({ volumes: [attachedRef] }));
    await untilInstanceStatus(provider, withVolume.providerInstanceId, 'Running');
    const deleteAttached = await provider.deleteVolume(attachedRef).catch((e: unknown) => e);
    expect(deleteAttached).toMatchObject({ kind: 'conflict', provider: 'verda' });
    expect((deleteAttached as ProviderError).message).toContain(withVolume.providerInstanceId);
    expect(calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    // And detaching from a running instance is refused by Verda.
    await expect(provider.detachVolume(attachedRef, refOfInstance(withVolume.providerInstanceId))).rejects.toMatchObject({
      kind: 'conflict',
      status: 403,
    });
    await expect(call('GET', `/volumes/${attachedVolume.providerVolumeId}`).then((r) => r.json())).resolves.toMatchObject({
      status: 'attached',
    });

    const ghost = { providerVolumeId: randomUUID(), locationCode: 'FIN-01' };
    expect(await provider.deleteVolume(ghost)).toBe('gone');
    await expect(provider.renameVolume(ghost, 'x')).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('reads a full storage quota as quota, the trash counting against it', async () => {
    const { provider, call } = await harness();
    const big = { name: 'big', sizeGB: SIM_VOLUME_LIMITS.maxSizeGB, locationCode: 'FIN-01', type: 'NVMe' };
    const count = SIM_VOLUME_LIMITS.quotaGB / SIM_VOLUME_LIMITS.maxSizeGB;
    const ids: string[] = [];
    for (let i = 0; i < count; i++)
      ids.push((await provider.createVolume({ ...big, gpufleetId: randomUUID() })).providerVolumeId);
    const full = await provider.createVolume({ ...big, gpufleetId: randomUUID() }).catch((e: unknown) => e);
    expect(full).toMatchObject({ kind: 'quota', provider: 'verda', status: 403 });
    expect((full as ProviderError).message).toContain('Storage quota exceeded');
    // In the trash a volume still counts; deleted for good it does not.
    const [first] = ids;
    await untilVolume(call, first ?? '', 'detached');
    expect((await call('DELETE', `/volumes/${first}`, { is_permanent: false })).status).toBe(202);
    await untilVolume(call, first ?? '', 'deleted');
    await expect(provider.createVolume({ ...big, gpufleetId: randomUUID() })).rejects.toMatchObject({ kind: 'quota' });
    expect(await provider.deleteVolume({ providerVolumeId: first ?? '', locationCode: 'FIN-01' })).toBe('accepted');
    await expect(provider.createVolume({ ...big, gpufleetId: randomUUID() })).resolves.toMatchObject({ sizeGB: big.sizeGB });
  });

  it("attaches the order's volumes at create, and deleting the instance keeps them", async () => {
    const { sim, provider, calls } = await harness();
    const volume = await provider.createVolume({
      gpufleetId: randomUUID(),
      name: 'keep me',
      sizeGB: 50,
      locationCode: 'FIN-01',
      type: 'NVMe',
    });
    await untilListed(provider, volume.providerVolumeId, 'Available');
    const ref = { providerVolumeId: volume.providerVolumeId, locationCode: 'FIN-01' };

    await expect(provider.createInstance(fin01({ volumes: [{ ...ref, locationCode: 'FIN-03' }] }))).rejects.toMatchObject({
      kind: 'invalid_request',
    });
    expect(calls.filter((c) => c.method === 'POST' && c.route === '/instances')).toEqual([]);

    const instance = await provider.createInstance(fin01({ volumes: [ref, ref] }));
    expect(sim.verda.volumes().find((v) => v.id === volume.providerVolumeId)).toMatchObject({
      instanceId: instance.providerInstanceId,
      status: 'attaching',
    });
    await untilInstanceStatus(provider, instance.providerInstanceId, 'Running');
    const attached = await untilListed(provider, volume.providerVolumeId, 'Attached');
    expect(attached?.attachedInstanceIds).toEqual([instance.providerInstanceId]);

    expect(await provider.deleteInstance(refOfInstance(instance.providerInstanceId))).toBe('accepted');
    const kept = await untilListed(provider, volume.providerVolumeId, 'Available');
    expect(kept?.attachedInstanceIds).toEqual([]);
    const osVolumeId = sim.verda.instance(instance.providerInstanceId)?.osVolumeId;
    expect(sim.verda.volumes().find((v) => v.id === osVolumeId)).toMatchObject({ status: 'deleted', permanentlyDeleted: true });
    expect(sim.control.liveVolumeIds?.()).toEqual([volume.providerVolumeId]);
  });

  it('attaches to and detaches from a shut-down instance, reading the states in between', async () => {
    const { provider } = await harness({ transitionMs: 300 });
    const volume = await provider.createVolume({
      gpufleetId: randomUUID(),
      name: 'a',
      sizeGB: 5,
      locationCode: 'FIN-01',
      type: 'HDD',
    });
    const ref = { providerVolumeId: volume.providerVolumeId, locationCode: 'FIN-01' };
    const instance = await provider.createInstance(fin01());
    await untilListed(provider, volume.providerVolumeId, 'Available');
    await untilInstanceStatus(provider, instance.providerInstanceId, 'Running');
    const instanceRef = refOfInstance(instance.providerInstanceId);
    await provider.stopInstance(instanceRef);
    await untilInstanceStatus(provider, instance.providerInstanceId, 'Stopped');

    await provider.attachVolume(ref, instanceRef);
    const attaching = (await provider.listVolumes()).find((v) => v.providerVolumeId === ref.providerVolumeId);
    expect(attaching).toMatchObject({
      status: 'Attaching',
      providerStatus: 'attaching',
      attachedInstanceIds: [instance.providerInstanceId],
    });
    await untilListed(provider, ref.providerVolumeId, 'Attached');
    // Sent again (a retry after a timeout): nothing changes.
    await provider.attachVolume(ref, instanceRef);
    await provider.detachVolume(ref, instanceRef);
    expect((await provider.listVolumes()).find((v) => v.providerVolumeId === ref.providerVolumeId)?.status).toBe('Detaching');
    expect((await untilListed(provider, ref.providerVolumeId, 'Available'))?.attachedInstanceIds).toEqual([]);
  });

  it('deletes for good, never to the trash, also a volume it finds in the trash', async () => {
    const { sim, provider, calls, call } = await harness();
    const volume = await provider.createVolume({
      gpufleetId: randomUUID(),
      name: 'bye',
      sizeGB: 10,
      locationCode: 'FIN-01',
      type: 'NVMe',
    });
    const ref = { providerVolumeId: volume.providerVolumeId, locationCode: 'FIN-01' };
    await untilListed(provider, ref.providerVolumeId, 'Available');
    expect(await provider.deleteVolume(ref)).toBe('accepted');
    expect((await provider.listVolumes()).find((v) => v.providerVolumeId === ref.providerVolumeId)?.status).toBe('Deleting');
    // Asked again while deleting: still on its way.
    expect(await provider.deleteVolume(ref)).toBe('accepted');
    await untilListed(provider, ref.providerVolumeId, 'absent');
    expect(sim.verda.volumes().find((v) => v.id === ref.providerVolumeId)).toMatchObject({
      status: 'deleted',
      permanentlyDeleted: true,
    });
    expect(await provider.deleteVolume(ref)).toBe('gone');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.status)).toEqual([202, 202]);

    // Someone moved this one to the trash, where it keeps counting: it is deleted for good.
    const trashed = await createRaw(call, { name: 'trashed' });
    await untilVolume(call, trashed, 'detached');
    expect((await call('DELETE', `/volumes/${trashed}`, { is_permanent: false })).status).toBe(202);
    await untilVolume(call, trashed, 'deleted');
    const trashedRef = { providerVolumeId: trashed, locationCode: 'FIN-01' };
    expect(await provider.deleteVolume(trashedRef)).toBe('accepted');
    expect(sim.verda.volumes().find((v) => v.id === trashed)?.permanentlyDeleted).toBe(true);
    expect(await provider.deleteVolume(trashedRef)).toBe('gone');
  });

  it('waits out a 429 on the volume routes and fails a malformed listing at the boundary', async () => {
    const { sim, provider, calls } = await harness();
    const volume = await provider.createVolume({
      gpufleetId: randomUUID(),
      name: 'x',
      sizeGB: 10,
      locationCode: 'FIN-01',
      type: 'NVMe',
    });
    sim.control.rateLimitNext(1, 1);
    const started = Date.now();
    expect((await provider.listVolumes()).map((v) => v.providerVolumeId)).toEqual([volume.providerVolumeId]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(calls.filter((c) => c.route === '/volumes' && c.method === 'GET').map((c) => c.status)).toEqual([429, 200]);

    sim.control.malformNext(1);
    const error = await provider.listVolumes().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'bad_response', provider: 'verda', field: '/0/id' });
    expect((error as ProviderError).message).toContain('GET /volumes');

    sim.control.malformNext(1);
    await expect(
      provider.createVolume({ gpufleetId: randomUUID(), name: 'y', sizeGB: 10, locationCode: 'FIN-01', type: 'NVMe' }),
    ).rejects.toMatchObject({ kind: 'bad_response', field: '/' });

    sim.control.setFaults({ errorRate: 1 });
    await expect(provider.listVolumes()).rejects.toMatchObject({ kind: 'unavailable', provider: 'verda' });
    sim.control.reset();
    sim.control.expireTokens();
    await expect(provider.listVolumes()).resolves.toHaveLength(2);
  });

  it('keeps volumes, their attachments and their pending changes across a simulator restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verda-volumes-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, 'verda.json');

    const first = await harness({ stateFile, transitionMs: 300 });
    const ready = await first.provider.createVolume({
      gpufleetId: randomUUID(),
      name: 'ready',
      sizeGB: 10,
      locationCode: 'FIN-01',
      type: 'NVMe',
    });
    const doomed = await first.provider.createVolume({
      gpufleetId: randomUUID(),
      name: 'doomed',
      sizeGB: 10,
      locationCode: 'FIN-01',
      type: 'HDD',
    });
    await untilListed(first.provider, ready.providerVolumeId, 'Available');
    await untilListed(first.provider, doomed.providerVolumeId, 'Available');
    const instance = await first.provider.createInstance(
      fin01({ volumes: [{ providerVolumeId: ready.providerVolumeId, locationCode: 'FIN-01' }] }),
    );
    await untilListed(first.provider, ready.providerVolumeId, 'Attached');
    expect(await first.provider.deleteVolume({ providerVolumeId: doomed.providerVolumeId, locationCode: 'FIN-01' })).toBe(
      'accepted',
    );
    const pending = await first.provider.createVolume({
      gpufleetId: randomUUID(),
      name: 'pending',
      sizeGB: 10,
      locationCode: 'FIN-01',
      type: 'NVMe',
    });
    await first.sim.close();

    // Slower after the restart, so the changes left pending are still seen pending.
    const second = await harness({ stateFile, transitionMs: 600 });
    const listed = await second.provider.listVolumes();
    expect(listed.find((v) => v.providerVolumeId === ready.providerVolumeId)).toMatchObject({
      gpufleetId: ready.gpufleetId,
      name: 'ready',
      status: 'Attached',
      attachedInstanceIds: [instance.providerInstanceId],
    });
    expect(listed.find((v) => v.providerVolumeId === pending.providerVolumeId)?.status).toBe('Creating');
    expect(listed.find((v) => v.providerVolumeId === doomed.providerVolumeId)?.status).toBe('Deleting');
    // The transitions carry on where they stopped.
    await untilListed(second.provider, pending.providerVolumeId, 'Available');
    await untilListed(second.provider, doomed.providerVolumeId, 'absent');
    expect(second.sim.verda.volumes().find((v) => v.id === doomed.providerVolumeId)).toMatchObject({ permanentlyDeleted: true });
    expect(second.sim.verda.volumes().find((v) => v.id === ready.providerVolumeId)?.target).toBe('vdb');
    expect(second.sim.control.liveVolumeIds?.().sort()).toEqual([ready.providerVolumeId, pending.providerVolumeId].sort());
  });
});

describe('verda volume mapping', () => {
  const wire = (extra: Partial<VolumeWire> = {}): VolumeWire => ({
    id: 'v1',
    name: 'data',
    status: 'detached',
    size: 100,
    is_os_volume: false,
    type: 'NVMe',
    location: 'FIN-01',
    ...extra,
  });

  const table: [string, VolumeStatus][] = [
    ['ordered', 'Creating'],
    ['cloning', 'Creating'],
    ['restoring', 'Creating'],
    ['created', 'Available'],
    ['detached', 'Available'],
    ['exported', 'Available'],
    ['attaching', 'Attaching'],
    ['attached', 'Attached'],
    ['detaching', 'Detaching'],
    ['deleting', 'Deleting'],
    ['canceling', 'Deleting'],
    ['canceled', 'Deleted'],
    ['deleted', 'Deleted'],
  ];

  it.each(table)('maps %s to %s', (raw, status) => {
    expect(mapVerdaVolumeStatus(raw)).toBe(status);
  });

  it('covers every status of the spec, and shows anything else as Unknown, warning once', () => {
    expect(Object.keys(VERDA_VOLUME_STATUS_RULES).sort()).toEqual([...VERDA_VOLUME_STATUSES].sort());
    expect(table.map(([raw]) => raw).sort()).toEqual([...VERDA_VOLUME_STATUSES].sort());
    const warnings: unknown[] = [];
    const mapper = new VerdaVolumeStatusMapper({ info() {}, warn: (...args) => warnings.push(args), error() {} });
    expect(mapper.map('frozen')).toBe('Unknown');
    expect(mapper.map('frozen')).toBe('Unknown');
    expect(mapper.map('toString')).toBe('Unknown');
    expect(warnings).toHaveLength(2);
  });

  it('puts the gpufleet id at the tail of the name and reads it back, whatever the human part', () => {
    const id = randomUUID();
    for (const [name, slug] of [
      ['Training Data (v2)', 'training-data-v2'],
      ['my--gf-weird name', 'my-gf-weird-name'],
      ['Ünïcödé ✓ volume', 'unicode-volume'],
      ['   ', 'volume'],
      ['a'.repeat(100), 'a'.repeat(VOLUME_NAME_MAX - 5 - id.length)],
    ] as const) {
      const tagged = taggedVolumeName(name, id);
      expect(tagged).toBe(`${slug}--gf-${id}`);
      expect(tagged.length).toBeLessThanOrEqual(VOLUME_NAME_MAX);
      expect(readVolumeName(tagged)).toEqual({ name: slug, gpufleetId: id });
    }
    expect(readVolumeName('OS-NVMe-84Ca37Jf')).toEqual({ name: 'OS-NVMe-84Ca37Jf', gpufleetId: null });
    expect(readVolumeName('data-gf-123')).toEqual({ name: 'data-gf-123', gpufleetId: null });
  });

  it('reads attached instances from instance summaries, bare ids or instance_id', () => {
    expect(attachedInstanceIdsOf(wire({ status: 'attached', instances: [{ id: 'i1' }], instance_id: 'i1' }))).toEqual(['i1']);
    expect(attachedInstanceIdsOf(wire({ status: 'attached', instances: ['i2'] }))).toEqual(['i2']);
    expect(attachedInstanceIdsOf(wire({ status: 'attached', instances: [], instance_id: 'i3' }))).toEqual(['i3']);
    expect(attachedInstanceIdsOf(wire({ instances: null, instance_id: null }))).toEqual([]);
    expect(attachedInstanceIdsOf(wire({ status: 'deleted', instance_id: 'i4' }))).toEqual([]);
  });

  it("prices per GB-month from the volume's own monthly price, else the type's list price", () => {
    const types = [
      { type: 'NVMe', price: { price_per_month_per_gb: 0.2, currency: 'usd' } },
      { type: 'HDD', price: { price_per_month_per_gb: '0.05', currency: 'eur' } },
    ];
    const list = (type: string) => listPriceOf(types, type);
    expect(volumePriceOf(wire({ monthly_price: 17.2, size: 100, currency: 'eur' }), list)).toEqual({
      amount: 0.172,
      currency: 'eur',
    });
    expect(volumePriceOf(wire({ monthly_price: '12', size: 60 }), list)).toEqual({ amount: 0.2, currency: 'usd' });
    expect(volumePriceOf(wire({ monthly_price: null }), list)).toEqual({ amount: 0.2, currency: 'usd' });
    expect(volumePriceOf(wire({ type: 'HDD' }), list)).toEqual({ amount: 0.05, currency: 'eur' });
    expect(volumePriceOf(wire({ type: 'NVMe_Shared', monthly_price: 0 }), list)).toBeNull();
  });
});
