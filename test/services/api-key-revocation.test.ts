import { describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/services/api-keys/service.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

/** Two services on one store stand for two replicas: a key change on one holds on the other at once. */
describe.each(STORE_KINDS)('API key revocation across replicas (%s)', (kind) => {
  it('a suspended, rotated or revoked key stops working on the other replica at once, despite its cache', async () => {
    const { store, cleanup } = await openTestStore(kind);
    try {
      // A long cache: only the version check can make the other replica notice.
      const a = new ApiKeyService({ store, cacheTtlMs: 600_000 });
      const b = new ApiKeyService({ store, cacheTtlMs: 600_000 });
      const keep = await a.create({ name: 'keep', role: 'admin' });
      const suspended = await a.create({ name: 'suspended', role: 'user' });
      const rotated = await a.create({ name: 'rotated', role: 'user' });
      const revoked = await a.create({ name: 'revoked', role: 'user' });
      for (const k of [keep, suspended, rotated, revoked]) expect((await b.authenticate(k.key))?.apiKeyId).toBe(k.id);

      await a.setSuspended(suspended.id, true);
      expect(await b.authenticate(suspended.key)).toBeNull();
      const fresh = await a.rotate(rotated.id);
      expect(await b.authenticate(rotated.key)).toBeNull();
      expect((await b.authenticate(fresh.key))?.apiKeyId).toBe(rotated.id);
      await a.remove(revoked.id);
      expect(await b.authenticate(revoked.key)).toBeNull();

      await a.setSuspended(suspended.id, false);
      expect((await b.authenticate(suspended.key))?.apiKeyId).toBe(suspended.id);
      // Concurrent requests share version reads and still all see the change.
      await a.setSuspended(suspended.id, true);
      const answers = await Promise.all(Array.from({ length: 20 }, () => b.authenticate(suspended.key)));
      expect(answers.every((p) => p === null)).toBe(true);
      expect((await b.authenticate(keep.key))?.apiKeyId).toBe(keep.id);
    } finally {
      await cleanup();
    }
  });
});
