import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { SshKey } from '../../contract/ssh-keys.ts';
import type { Database, SshKeyTable } from '../../store/schema.ts';

export type SshKeyRow = Selectable<SshKeyTable>;

/** `ssh_keys` rows; "live" means not soft-deleted. */
export class SshKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Live keys, for listing (see `paginate`). */
  live() {
    return this.db.selectFrom('ssh_keys').selectAll().where('deleted_at', 'is', null);
  }

  async getLive(id: string): Promise<SshKeyRow | undefined> {
    return this.live().where('id', '=', id).executeTakeFirst();
  }

  /** A live key whose name equals `name` ignoring case, other than `exceptId`. */
  async findLiveByName(name: string, exceptId?: string): Promise<SshKeyRow | undefined> {
    let query = this.live().where(sql<boolean>`lower(name) = ${name.toLowerCase()}`);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return query.executeTakeFirst();
  }

  async findLiveByFingerprint(fingerprint: string): Promise<SshKeyRow | undefined> {
    return this.live().where('fingerprint', '=', fingerprint).executeTakeFirst();
  }

  async insert(row: Insertable<SshKeyTable>): Promise<void> {
    await this.db.insertInto('ssh_keys').values(row).execute();
  }

  async update(id: string, patch: Updateable<SshKeyTable>): Promise<void> {
    await this.db.updateTable('ssh_keys').set(patch).where('id', '=', id).execute();
  }

  /** Drop the default flag from every live key (before giving it to one). */
  async clearDefault(at: string): Promise<void> {
    await this.db.updateTable('ssh_keys').set({ is_default: 0, updated_at: at }).where('is_default', '=', 1).execute();
  }
}

export function toSshKey(row: SshKeyRow): SshKey {
  return {
    id: row.id,
    entityId: row.entity_id,
    name: row.name,
    publicKey: row.public_key,
    fingerprint: row.fingerprint,
    algorithm: row.algorithm,
    algorithmDisplayName: row.algorithm_display_name,
    isDefault: Number(row.is_default) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}
