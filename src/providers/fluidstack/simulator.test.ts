import { randomUUID } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FLUIDSTACK_SIM_PROJECT_ID,
  FLUIDSTACK_SIM_RESEARCH_PROJECT_ID,
  type RunningFluidstackSimulator,
  startFluidstackSimulator,
} from './simulator/index.ts';
import { ErrorBody, Filesystem, FilesystemList, type Instance } from './wire.ts';

/**
 * The simulator's filesystem routes over HTTP, held to Fluidstack's OpenAPI document: `GET|POST /filesystems`
 * (200, 201; 400, 403), `GET|DELETE /filesystems/{id}` (200, 204; 403, 404), every error a `{message}` body,
 * `X-PROJECT-ID` on all four, and the instance create's `filesystems`.
 */
describe('fluidstack simulator: filesystems', () => {
  let sim: RunningFluidstackSimulator;
  let token: string;
  const regionUrl = (name: string) =>
    (sim.account.settings['regions'] as { name: string; baseUrl: string }[]).find((r) => r.name === name)?.baseUrl ?? '';

  const call = async (
    method: string,
    url: string,
    options: { body?: unknown; project?: string | null; bearer?: string } = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> => {
    const headers: Record<string, string> = { Authorization: `Bearer ${options.bearer ?? token}` };
    const project = options.project === undefined ? FLUIDSTACK_SIM_PROJECT_ID : options.project;
    if (project !== null) headers['X-PROJECT-ID'] = project;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const answer = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await answer.text();
    return { status: answer.status, body: text ? JSON.parse(text) : null, headers: answer.headers };
  };

  const tx = () => regionUrl('us-tx-1');
  const par = () => regionUrl('fr-par-1');
  const createFs = async (name: string, size = '512Gi', base = tx()) => {
    const created = await call('POST', `${base}/filesystems`, { body: { name, size } });
    expect(created.status).toBe(201);
    return created.body as Filesystem;
  };
  const createInstance = (base: string, filesystems: string[]) =>
    call('POST', `${base}/instances`, { body: { name: 'mounts', type: 'h100-hgx-80gb.1x', filesystems } });
  const expectError = (answer: { status: number; body: unknown }, status: number) => {
    expect(answer.status).toBe(status);
    expect(Value.Check(ErrorBody, answer.body)).toBe(true);
  };

  beforeAll(async () => {
    sim = await startFluidstackSimulator({ transitionMs: 40, seed: 11 });
    const granted = await fetch(`${new URL(sim.baseUrl).origin}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sim.account.credentials['clientId'] ?? '',
        client_secret: sim.account.credentials['clientSecret'] ?? '',
        audience: 'https://api.fluidstack.io',
      }),
    });
    token = ((await granted.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await sim?.close();
  });
  afterEach(() => sim.control.reset());

  it('creates (201), lists, gets and deletes (204, then 404) a filesystem in the documented shape', async () => {
    const fs = await createFs('fs-1');
    expect(Object.keys(fs).sort()).toEqual(['id', 'name', 'size']);
    expect(fs).toMatchObject({ name: 'fs-1', size: '512Gi' });
    expect(Value.Check(Filesystem, fs)).toBe(true);
    expect(sim.control.liveVolumeIds?.()).toContain(fs.id);

    const listed = await call('GET', `${tx()}/filesystems`);
    expect(listed.status).toBe(200);
    expect(Value.Check(FilesystemList, listed.body)).toBe(true);
    expect(listed.body).toContainEqual(fs);
    const got = await call('GET', `${tx()}/filesystems/${fs.id}`);
    expect(got).toMatchObject({ status: 200, body: fs });

    const deleted = await call('DELETE', `${tx()}/filesystems/${fs.id}`);
    expect(deleted).toMatchObject({ status: 204, body: null });
    expect(sim.control.liveVolumeIds?.()).not.toContain(fs.id);
    expectError(await call('GET', `${tx()}/filesystems/${fs.id}`), 404);
    expectError(await call('DELETE', `${tx()}/filesystems/${fs.id}`), 404);
  });

  it('refuses a bad body with 400: no size, a size that is no positive quantity, a name outside the rule', async () => {
    for (const body of [
      { name: 'fs-1' },
      { size: '10Gi' },
      { name: 'fs-1', size: 'lots' },
      { name: 'fs-1', size: '0Gi' },
      { name: 'fs-1', size: 512 },
      { name: 'Team Data', size: '10Gi' },
      { name: '-fs', size: '10Gi' },
      { name: 'x'.repeat(64), size: '10Gi' },
    ]) {
      expectError(await call('POST', `${tx()}/filesystems`, { body }), 400);
    }
    // Decimal and binary quantities are both quantities; the largest label fits.
    expect((await createFs('a'.repeat(63), '50G')).size).toBe('50G');
  });

  it('scopes filesystems by region and project, with the codes each route documents', async () => {
    const fs = await createFs('scoped');
    expect((await call('GET', `${par()}/filesystems`)).body).not.toContainEqual(fs);
    expectError(await call('GET', `${par()}/filesystems/${fs.id}`), 404);
    const research = await call('GET', `${par()}/filesystems`, { project: FLUIDSTACK_SIM_RESEARCH_PROJECT_ID });
    expect(research).toMatchObject({ status: 200, body: [] });

    // The collection routes list no 404: a project the token cannot reach is 403 there, 404 on the item routes.
    const stranger = randomUUID();
    expectError(await call('GET', `${tx()}/filesystems`, { project: stranger }), 403);
    expectError(await call('POST', `${tx()}/filesystems`, { project: stranger, body: { name: 'x', size: '1Gi' } }), 403);
    const item = await call('GET', `${tx()}/filesystems/${fs.id}`, { project: stranger });
    expectError(item, 404);
    expect((item.body as { message: string }).message).toMatch(/project/);

    expectError(await call('GET', `${tx()}/filesystems`, { project: null }), 400);
    expectError(await call('GET', `${tx()}/filesystems`, { project: 'not-a-uuid' }), 400);
    expectError(await call('GET', `${tx()}/filesystems/not-a-uuid`), 400);
    expectError(await call('GET', `${tx()}/filesystems`, { bearer: 'not-a-token' }), 403);
  });

  it('mounts filesystems of the same region and project only, and keeps them past the instance', async () => {
    const fs = await createFs('mounted');
    expectError(await createInstance(par(), [fs.id]), 404);
    expectError(await createInstance(tx(), [randomUUID()]), 404);
    expectError(await createInstance(tx(), ['not-a-uuid']), 400);

    const created = await createInstance(tx(), [fs.id]);
    expect(created.status).toBe(201);
    const instance = created.body as Instance;
    expect(instance.filesystems).toEqual([fs.id]);

    // Deleting a mounted filesystem: 409, an assumption (the document lists no code for it).
    const refused = await call('DELETE', `${tx()}/filesystems/${fs.id}`);
    expectError(refused, 409);
    expect((refused.body as { message: string }).message).toContain(instance.id);

    expect((await call('DELETE', `${tx()}/instances/${instance.id}`)).status).toBe(204);
    const deadline = Date.now() + 5_000;
    while (sim.control.liveInstanceIds().includes(instance.id) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sim.control.liveInstanceIds()).not.toContain(instance.id);
    expect((await call('GET', `${tx()}/filesystems/${fs.id}`)).status).toBe(200);
    expect((await call('DELETE', `${tx()}/filesystems/${fs.id}`)).status).toBe(204);
  });

  it('applies injected faults and token expiry to the filesystem routes', async () => {
    await createFs('faults');
    sim.control.rateLimitNext(1, 3);
    const limited = await call('GET', `${tx()}/filesystems`);
    expectError(limited, 429);
    expect(limited.headers.get('retry-after')).toBe('3');

    sim.control.setFaults({ errorRate: 1 });
    expectError(await call('POST', `${tx()}/filesystems`, { body: { name: 'never', size: '1Gi' } }), 500);
    sim.control.setFaults({ errorRate: 0 });
    expect((await call('GET', `${tx()}/filesystems`)).body).not.toContainEqual(expect.objectContaining({ name: 'never' }));

    sim.control.malformNext(1);
    const malformed = await call('GET', `${tx()}/filesystems`);
    expect(malformed.status).toBe(200);
    expect(Value.Check(FilesystemList, malformed.body)).toBe(false);

    sim.control.expireTokens();
    expectError(await call('GET', `${tx()}/filesystems`), 403);
  });
});
