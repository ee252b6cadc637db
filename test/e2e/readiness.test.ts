import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadiness } from '../../src/runtime/readiness.ts';
import { openStore } from '../../src/store/database.ts';
import { buildTestApi } from '../api/helpers.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { STORE_KINDS } from '../support/stores.ts';

interface AccountReadiness {
  name: string;
  provider: string;
  status: string;
  health: string;
  lastSyncedAt: string | null;
}
interface ReadyzBody {
  success: boolean;
  error?: string;
  message: string;
  data: { ready: boolean; accounts: AccountReadiness[] };
  details: { failing: unknown[]; readiness: { accounts: AccountReadiness[] } };
}

async function readyz(t: TestApp): Promise<{ status: number; body: ReadyzBody; text: string }> {
  const res = await fetch(`${t.url}/readyz`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

describe.each(STORE_KINDS)('GET /readyz on %s', (store) => {
  let t: TestApp;
  beforeAll(async () => {
    // A tiny rate limit: probes must never count against it.
    t = await startTestApp({ store, web: false, rateLimitPerMinute: 3 });
  });
  afterAll(async () => t?.close());

  const cloud = (id: string) => {
    const found = t.app.sandbox?.clouds.find((c) => c.definition.id === id);
    if (!found) throw new Error(`no ${id} simulator`);
    return found;
  };

  it('is ready, without a key, with the store and every simulated cloud up, and never rate limited', async () => {
    const ready = await eventually(async () => {
      const res = await readyz(t);
      return res.status === 200 && res.body.data.accounts.every((a) => a.status === 'ok') ? res : undefined;
    }, 'every account to have synced');
    expect(ready.body).toMatchObject({ success: true, data: { ready: true, store: { status: 'ok' } } });
    expect(ready.body.data.accounts.map((a) => a.provider).sort()).toEqual(['fluidstack', 'runpod', 'verda']);
    for (const account of ready.body.data.accounts) {
      expect(Object.keys(account).sort()).toEqual(['health', 'lastSyncedAt', 'name', 'provider', 'status']);
    }
    for (let i = 0; i < 6; i++) expect((await readyz(t)).status).toBe(200);
  });

  it('answers 503 NOT_READY naming the account whose cloud fails, without leaking its credentials, and recovers', async () => {
    const verda = cloud('verda');
    verda.simulator.control.setFaults({ errorRate: 1 });
    try {
      const failing = await eventually(async () => {
        const res = await readyz(t);
        return res.status === 503 ? res : undefined;
      }, 'readiness to notice the failing cloud');
      expect(failing.body).toMatchObject({ success: false, error: 'NOT_READY' });
      expect(failing.body.message).toContain('Verda');
      expect(failing.body.details.failing).toEqual([
        expect.objectContaining({ component: 'provider_account', provider: 'verda', status: 'failing' }),
      ]);
      const others = failing.body.details.readiness.accounts.filter((a) => a.provider !== 'verda');
      for (const account of others) expect(account.status).not.toBe('failing');
      // Nothing secret or internal: no credentials, no base URL, no provider error text.
      for (const secret of Object.values(verda.simulator.account.credentials)) expect(failing.text).not.toContain(secret);
      expect(failing.text).not.toContain(verda.simulator.baseUrl);
      expect(failing.text).not.toMatch(/credential|baseUrl|lastError/i);
    } finally {
      verda.simulator.control.reset();
    }
    await eventually(async () => ((await readyz(t)).status === 200 ? true : undefined), 'readiness to come back');
  });
});

describe('GET /readyz when the store does not answer', () => {
  it('answers 503 NOT_READY naming the store', async () => {
    const store = await openStore({ url: ':memory:' });
    await store.close();
    const { app, fake } = await buildTestApi();
    fake.services.readiness = () => checkReadiness(store.db, { failure: () => null });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as ReadyzBody;
      expect(body).toMatchObject({ success: false, error: 'NOT_READY' });
      expect(body.message).toContain('store');
      expect(body.details.failing).toEqual([{ component: 'store', status: 'failing' }]);
    } finally {
      await app.close();
    }
  });
});
