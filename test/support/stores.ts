import { randomBytes } from 'node:crypto';
import { dropPgSchema, openStore, type Store } from '../../src/store/database.ts';

/**
 * The store kinds every store-touching test runs on. PostgreSQL is at `GPUFLEET_TEST_PG_URL` (default the
 * local server); each call gets a schema of its own, dropped on cleanup. In CI a missing PostgreSQL is a
 * failure, never a skip.
 */
export const TEST_PG_URL = process.env.GPUFLEET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export async function openTestStore(kind: StoreKind): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const store = await openStore({ url: ':memory:' });
    return { store, cleanup: () => store.close() };
  }
  for (let attempt = 1; ; attempt++) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    try {
      const store = await openStore({ url: TEST_PG_URL, pgSchema: schema });
      return {
        store,
        cleanup: async () => {
          await store.close();
          await dropPgSchema(TEST_PG_URL, schema);
        },
      };
    } catch (error) {
      await dropPgSchema(TEST_PG_URL, schema).catch(() => undefined);
      // Kysely's migrator reads the catalog of every schema; when a concurrent test run creates or drops its
      // own schema at that moment, the read can fail ("schema t_… does not exist", or a column of a table
      // being dropped next door). A neighbour's race, not ours: retry in a fresh schema. A migration that is
      // really broken fails every attempt.
      const neighbourRace = /schema "t_[0-9a-f]+" does not exist|database migration +failed/.test(String(error));
      if (attempt >= 5 || !neighbourRace) throw error;
    }
  }
}
