import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { StartupScript } from '../../contract/startup-scripts.ts';
import type { Principal } from '../../core/domain/types.ts';
import type { Store } from '../../store/database.ts';
import type { Database, StartupScriptTable } from '../../store/schema.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { cleanName } from '../names.ts';
import { paginate } from '../pagination.ts';
import type { ListQuery, Page, StartupScriptService as StartupScriptServiceContract } from '../types.ts';
import { lockForWrite } from '../write-lock.ts';

export const STARTUP_SCRIPT_SORTABLE = { name: 'name', createdAt: 'created_at', updatedAt: 'updated_at' } as const;

/** The largest script gpufleet keeps; each provider may take less (see `WorkloadSupport`). */
export const MAX_STARTUP_SCRIPT_BYTES = 64 * 1024;
const LOCK_SCOPE = 'startup_scripts';

type Row = Selectable<StartupScriptTable>;

/**
 * Startup scripts users keep to run on VMs at first boot, like the SSH key library: names unique ignoring
 * case. A VM keeps the text it was ordered with, so editing or deleting a script never changes a VM.
 */
export class StartupScriptService implements StartupScriptServiceContract {
  constructor(private readonly store: Store) {}

  private live(db: Kysely<Database> = this.store.db) {
    return db.selectFrom('startup_scripts').selectAll();
  }

  list(query: ListQuery): Promise<Page<StartupScript>> {
    return paginate(this.live(), query, {
      sortable: STARTUP_SCRIPT_SORTABLE,
      searchColumns: ['name'],
      tiebreaker: 'id',
      map: toStartupScript,
    });
  }

  async get(id: string): Promise<StartupScript> {
    const row = await this.live().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Startup script', id);
    return toStartupScript(row);
  }

  async create(input: { name: string; script: string }, principal: Principal): Promise<StartupScript> {
    const name = cleanName(input.name, 'name');
    const script = checkScript(input.script);
    const id = randomUUID();
    return this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      await this.assertNameFree(trx, name);
      const at = new Date().toISOString();
      await trx
        .insertInto('startup_scripts')
        .values({ id, entity_id: principal.entityId, name, script, created_at: at, updated_at: at })
        .execute();
      return toStartupScript((await this.live(trx).where('id', '=', id).executeTakeFirst()) as Row);
    });
  }

  async update(id: string, input: { name?: string; script?: string }): Promise<StartupScript> {
    const name = input.name === undefined ? undefined : cleanName(input.name, 'name');
    const script = input.script === undefined ? undefined : checkScript(input.script);
    return this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      if (!(await this.live(trx).where('id', '=', id).executeTakeFirst())) throw notFound('Startup script', id);
      if (name !== undefined) await this.assertNameFree(trx, name, id);
      await trx
        .updateTable('startup_scripts')
        .set({
          ...(name !== undefined ? { name } : {}),
          ...(script !== undefined ? { script } : {}),
          updated_at: new Date().toISOString(),
        })
        .where('id', '=', id)
        .execute();
      return toStartupScript((await this.live(trx).where('id', '=', id).executeTakeFirst()) as Row);
    });
  }

  async remove(id: string): Promise<void> {
    const result = await this.store.db.deleteFrom('startup_scripts').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound('Startup script', id);
  }

  private async assertNameFree(db: Kysely<Database>, name: string, exceptId?: string): Promise<void> {
    let query = this.live(db).where(sql<boolean>`lower(name) = ${name.toLowerCase()}`);
    if (exceptId) query = query.where('id', '!=', exceptId);
    const taken = await query.executeTakeFirst();
    if (taken) throw conflict('NAME_TAKEN', `a startup script named "${taken.name}" already exists`, { id: taken.id });
  }
}

/** A script is text: not empty, no NUL (no shell can run it), at most `MAX_STARTUP_SCRIPT_BYTES`. */
export function checkScript(value: unknown, field = 'script'): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest('VALIDATION_ERROR', `${field} must not be empty`);
  if (value.includes('\u0000')) throw badRequest('VALIDATION_ERROR', `${field} must not contain NUL characters`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_STARTUP_SCRIPT_BYTES) {
    throw badRequest(
      'STARTUP_SCRIPT_TOO_LARGE',
      `${field} is ${bytes} bytes; gpufleet keeps scripts of at most ${MAX_STARTUP_SCRIPT_BYTES} bytes`,
    );
  }
  return value;
}

function toStartupScript(row: Row): StartupScript {
  return {
    id: row.id,
    entityId: row.entity_id,
    name: row.name,
    script: row.script,
    sizeBytes: Buffer.byteLength(row.script, 'utf8'),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
