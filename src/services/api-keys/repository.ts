import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { ApiKeyView } from '../../contract/api-keys.ts';
import type { UserRole } from '../../core/domain/types.ts';
import type { ApiKeyTable, Database } from '../../store/schema.ts';

export type ApiKeyRow = Selectable<ApiKeyTable>;

/** `api_keys` rows; revoked keys stay as rows (costs and jobs refer to them) but are gone for everything else. */
export class ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async listUnrevoked(): Promise<ApiKeyRow[]> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async getUnrevoked(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  }

  async findUnrevokedByHash(hash: string): Promise<ApiKeyRow | undefined> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  /** Any row with this hash, revoked or not. */
  async findByHash(hash: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
  }

  /** Admin keys that can still authenticate at `at`. */
  async countUsableAdmins(at: string): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .where('suspended_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async insert(row: Insertable<ApiKeyTable>): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  async update(id: string, patch: Updateable<ApiKeyTable>): Promise<void> {
    await this.db.updateTable('api_keys').set(patch).where('id', '=', id).execute();
  }
}

export function toApiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as UserRole,
    prefix: row.key_prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    suspended: row.suspended_at !== null,
    lastUsedAt: row.last_used_at,
  };
}
