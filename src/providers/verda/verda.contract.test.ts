import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProviderContract } from '../../../test/contract/provider-contract.ts';
import { verda } from './index.ts';
import { type RunningVerdaSimulator, startVerdaSimulator } from './simulator/server.ts';

runProviderContract(verda, { transitionMs: 60 });

const ACTION_BUDGET = 20;

describe('verda simulator: the deprecated POST /instances/action', () => {
  let sim: RunningVerdaSimulator;
  let token: string;

  beforeAll(async () => {
    // A small budget for the action route only, so its limit shows without a flood of requests while polling
    // an instance stays unlimited.
    sim = await startVerdaSimulator({
      transitionMs: 60,
      seed: 11,
      rateLimits: { endpointQuota: 100_000, projectQuota: 100_000, overrides: { 'POST /v1/instances/action': ACTION_BUDGET } },
    });
    const granted = await fetch(`${sim.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: sim.account.credentials['clientId'],
        client_secret: sim.account.credentials['clientSecret'],
      }),
    });
    token = ((await granted.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await sim?.close();
  });

  const call = (method: string, path: string, body?: unknown, auth = true) =>
    fetch(`${sim.baseUrl}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const act = (body: unknown, auth = true) => call('POST', '/instances/action', body, auth);

  const statusOf = async (id: string) => ((await (await call('GET', `/instances/${id}`)).json()) as { status: string }).status;
  const waitFor = async (id: string, wanted: string) => {
    await expect.poll(() => statusOf(id), { timeout: 5_000, interval: 30 }).toBe(wanted);
  };
  const deploy = async (hostname: string) => {
    const created = await call('POST', '/instances', {
      instance_type: '1H100.80S.30V',
      image: 'ubuntu-24.04',
      hostname,
      description: hostname,
      location_code: 'FIN-01',
    });
    expect(created.status).toBe(202);
    return created.text();
  };

  it('shuts down, boots and hibernates an instance, answering 202 without a body', async () => {
    const id = await deploy('action-lifecycle');
    await waitFor(id, 'running');

    const shutdown = await act({ action: 'shutdown', id });
    expect(shutdown.status).toBe(202);
    expect(await shutdown.text()).toBe('');
    expect(shutdown.headers.get('ratelimit-policy')).toContain(`"endpoint";q=${ACTION_BUDGET}`);
    await waitFor(id, 'offline');
    // Already in the requested state: still the route's one documented answer.
    expect((await act({ action: 'shutdown', id })).status).toBe(202);

    expect((await act({ action: 'boot', id: [id] })).status).toBe(202);
    await waitFor(id, 'running');

    const tooEarly = await act({ action: 'hibernate', id });
    expect(tooEarly.status).toBe(400);
    expect(await tooEarly.json()).toMatchObject({ code: 'invalid_request' });
    expect((await act({ action: 'shutdown', id })).status).toBe(202);
    await waitFor(id, 'offline');
    expect((await act({ action: 'hibernate', id })).status).toBe(202);
    await waitFor(id, 'discontinued');
    // Hibernation deletes the instance but keeps every volume, detached.
    const volumes = sim.verda.volumes().filter((v) => v.isOsVolume && v.name === 'action-lifecycle-os');
    expect(volumes.map((v) => v.status)).toEqual(['detached']);
  });

  it("refuses like Verda's other routes: no token, an unknown instance, an unknown action, a partly bad list", async () => {
    const noToken = await act({ action: 'shutdown', id: crypto.randomUUID() }, false);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ code: 'unauthorized_request' });

    const missing = await act({ action: 'shutdown', id: crypto.randomUUID() });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });

    const id = await deploy('action-errors');
    const unsupported = await act({ action: 'transfer', id });
    expect(unsupported.status).toBe(400);
    expect(await unsupported.json()).toMatchObject({ code: 'invalid_request' });
    expect((await act({ id })).status).toBe(400);

    const unknown = crypto.randomUUID();
    await waitFor(id, 'running');
    const mixed = await act({ action: 'delete', id: [unknown, id] });
    expect(mixed.status).toBe(207);
    expect(await mixed.json()).toEqual([
      { instanceId: unknown, action: 'delete', status: 'error', error: 'Invalid instance id', statusCode: 404 },
      { instanceId: id, action: 'delete', status: 'success' },
    ]);
  });

  it('has its own endpoint budget and answers 429 with Retry-After once it is spent', async () => {
    let limited: Response | null = null;
    for (let i = 0; i <= ACTION_BUDGET && !limited; i++) {
      const answer = await act({ action: 'shutdown', id: crypto.randomUUID() });
      if (answer.status === 429) limited = answer;
    }
    expect(limited).not.toBeNull();
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited?.json()).toMatchObject({ code: 'rate_limit_exceeded' });
    // PUT /instances, which the adapter uses, counts against its own budget.
    expect((await call('PUT', '/instances', { action: 'shutdown', id: crypto.randomUUID() })).status).toBe(404);
  });
});
