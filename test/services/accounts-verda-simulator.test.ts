import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/core/provider/provider.ts';
import { verda } from '../../src/providers/verda/index.ts';
import { ProviderAccountService } from '../../src/services/accounts/service.ts';
import { SecretBox } from '../../src/services/secrets.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore } from '../support/stores.ts';
import { caught } from './support/rows.ts';

/** The account service against a real adapter talking HTTP to the Verda simulator. */
describe('ProviderAccountService with the Verda simulator', () => {
  let simulator: RunningSimulator;
  let store: Store;
  let cleanup: () => Promise<void>;
  let service: ProviderAccountService;
  const logs: string[] = [];

  beforeAll(async () => {
    simulator = await verda.simulator.start({ transitionMs: 50, seed: 3 });
    ({ store, cleanup } = await openTestStore('sqlite'));
    const record = (msg: string, fields?: Record<string, unknown>) => logs.push(JSON.stringify({ msg, fields }));
    service = new ProviderAccountService({
      store,
      secrets: new SecretBox(randomBytes(32)),
      providers: [verda],
      hooks: { providerFor: async () => Promise.reject(new Error('not used here')), accountsChanged: () => undefined },
      logger: { info: record, warn: record, error: record },
      verifyTimeoutMs: 20_000,
    });
  });
  afterAll(async () => {
    await cleanup?.();
    await simulator?.close();
  });

  it('creates an account the simulator accepts, and refuses a wrong secret', async () => {
    const credentials = simulator.account.credentials;
    const view = await service.create({
      provider: 'verda',
      name: 'verda sim',
      baseUrl: simulator.baseUrl,
      credentials,
      settings: simulator.account.settings,
    });
    expect(view).toMatchObject({ provider: 'verda', health: 'ok', baseUrl: simulator.baseUrl });
    expect(view.credentialFields).toEqual(Object.keys(credentials).sort());

    const wrong = Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, `${v}-wrong`]));
    const rejected = await caught(() =>
      service.create({ provider: 'verda', name: 'verda wrong', baseUrl: simulator.baseUrl, credentials: wrong, settings: {} }),
    );
    expect(rejected).toMatchObject({ status: 400, code: 'INVALID_CREDENTIALS' });
    expect(rejected.message).toContain('Verda');

    const missing = await caught(() =>
      service.create({ provider: 'verda', name: 'verda half', baseUrl: simulator.baseUrl, credentials: { clientId: 'x' } }),
    );
    expect(missing).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', details: { field: 'credentials.clientSecret' } });

    expect((await service.list()).map((a) => a.name)).toEqual(['verda sim']);
    for (const value of [...Object.values(credentials), ...Object.values(wrong)]) {
      expect(JSON.stringify([logs, await service.list()])).not.toContain(value);
    }
  });
});
