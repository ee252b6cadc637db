import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from 'kysely';
import pg from 'pg';
import * as m001 from './migrations/001_initial.ts';
import * as m002 from './migrations/002_listing_indexes.ts';
import * as m003 from './migrations/003_idle_rule.ts';
import * as m004 from './migrations/004_poll_claims.ts';
import * as m005 from './migrations/005_change_versions.ts';
import * as m006 from './migrations/006_workload.ts';
import * as m007 from './migrations/007_volumes.ts';
import * as m008 from './migrations/008_vm_credentials.ts';
import * as m009 from './migrations/009_events.ts';
import * as m011 from './migrations/011_fleet_indexes.ts';
import * as m013 from './migrations/013_sweep_indexes.ts';
import * as m014 from './migrations/014_webhooks.ts';
import * as m015 from './migrations/015_rate_limit_windows.ts';
import type { Database } from './schema.ts';

/** Versioned migrations, in order. Both dialects run the same ones. */
const MIGRATIONS: Record<string, Migration> = {
  '001_initial': m001,
  '002_listing_indexes': m002,
  '003_idle_rule': m003,
  '004_poll_claims': m004,
  '005_change_versions': m005,
  '006_workload': m006,
  '007_volumes': m007,
  '008_vm_credentials': m008,
  '009_events': m009,
  '011_fleet_indexes': m011,
  '013_sweep_indexes': m013,
  '014_webhooks': m014,
  '015_rate_limit_windows': m015,
};

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL only: the connection string, for a connection of its own (LISTEN for events). */
  pgUrl?: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file path (`:memory:` for tests). */
  url: string;
  /** PostgreSQL schema to live in (created if missing); tests give each run its own. */
  pgSchema?: string;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  const isPostgres = /^postgres(ql)?:\/\//.test(options.url);
  let db: Kysely<Database>;
  if (isPostgres) {
    const schema = options.pgSchema;
    if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name: ${schema}`);
    if (schema) {
      const bootstrap = new pg.Client({ connectionString: options.url });
      await bootstrap.connect();
      await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await bootstrap.end();
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      max: 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    if (options.url !== ':memory:') mkdirSync(dirname(options.url), { recursive: true });
    const sqlite = new SQLite(options.url);
    // WAL lets readers go on while the refresher writes; a busy timeout rides out short write locks.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }

  // Kysely looks for its migration tables in every schema unless told which one; without this a run in its
  // own PostgreSQL schema would find another schema's tables and then fail to use them through search_path.
  const migrationTableSchema = isPostgres ? options.pgSchema : undefined;
  const migrator = new Migrator({
    db,
    provider: new StaticMigrations(),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
  return isPostgres
    ? { db, dialect: 'postgres', pgUrl: options.url, close: () => db.destroy() }
    : { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Drop a PostgreSQL schema made for a test run. */
export async function dropPgSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

export { sql };

/**
 * Kysely prepares every query anew; on hot read paths that is a large share of the cost. The same SQL text
 * gets the same better-sqlite3 statement back (statements are reusable), up to a bound.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (cache.size < 1_000) cache.set(text, statement);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
