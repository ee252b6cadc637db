import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProviderContract } from '../../../test/contract/provider-contract.ts';
import { fluidstack } from './index.ts';
import { type RunningFluidstackSimulator, startFluidstackSimulator } from './simulator/index.ts';
import { CapabilityList, ErrorBody } from './wire.ts';

runProviderContract(fluidstack, { transitionMs: 60 });

describe('fluidstack simulator: GET /capabilities', () => {
  let sim: RunningFluidstackSimulator;
  let token: string;
  let regionUrl: string;

  beforeAll(async () => {
    sim = await startFluidstackSimulator({ transitionMs: 60, seed: 5 });
    const regions = sim.account.settings['regions'] as { name: string; baseUrl: string }[];
    regionUrl = regions[0]?.baseUrl ?? '';
    const origin = new URL(sim.baseUrl).origin;
    const granted = await fetch(`${origin}/oauth/token`, {
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

  const get = (url: string, bearer: string | null = token) =>
    fetch(url, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });

  it("lists the token's capabilities on the regional API, without a project header", async () => {
    const answer = await get(`${regionUrl}/capabilities`);
    expect(answer.status).toBe(200);
    const body: unknown = await answer.json();
    expect(Value.Check(CapabilityList, body)).toBe(true);
    expect(body).toEqual(expect.arrayContaining(['instances:list', 'instances:create', 'instances:start', 'instances:stop']));
  });

  it('refuses a missing or bad token with 403 and an unknown region with 404, in the {message} body', async () => {
    for (const bearer of [null, 'not-a-token']) {
      const refused = await get(`${regionUrl}/capabilities`, bearer);
      expect(refused.status).toBe(403);
      expect(Value.Check(ErrorBody, await refused.json())).toBe(true);
    }
    const nowhere = await get(`${new URL(sim.baseUrl).origin}/regions/xx-nowhere-1/api/v1alpha1/capabilities`);
    expect(nowhere.status).toBe(404);
    expect(Value.Check(ErrorBody, await nowhere.json())).toBe(true);
  });
});
