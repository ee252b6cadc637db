import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Database, ProviderAccountTable } from '../../store/schema.ts';

export type ProviderAccountRow = Selectable<ProviderAccountTable>;

/** `provider_accounts` rows; "live" means not soft-deleted. */
export class ProviderAccountRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private live() {
    return this.db.selectFrom('provider_accounts').selectAll().where('deleted_at', 'is', null);
  }

  async listLive(): Promise<ProviderAccountRow[]> {
    return this.live().orderBy('created_at').orderBy('id').execute();
  }

  async listEnabled(): Promise<ProviderAccountRow[]> {
    return this.live().where('enabled', '=', 1).orderBy('created_at').orderBy('id').execute();
  }

  async getLive(id: string): Promise<ProviderAccountRow | undefined> {
    return this.live().where('id', '=', id).executeTakeFirst();
  }

  async findLiveByName(name: string, exceptId?: string): Promise<ProviderAccountRow | undefined> {
    let query = this.live().where(sql<boolean>`lower(name) = ${name.toLowerCase()}`);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return query.executeTakeFirst();
  }

  /** The account sandbox mode made for `provider` (one per provider). */
  async findSandbox(provider: string): Promise<ProviderAccountRow | undefined> {
    return this.live().where('provider', '=', provider).where('is_sandbox', '=', 1).orderBy('created_at').executeTakeFirst();
  }

  async countLiveVms(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('vms')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Volumes at the account the provider has not confirmed deleted (they keep billing there). */
  async countLiveVolumes(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('volumes')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async insert(row: Insertable<ProviderAccountTable>): Promise<void> {
    await this.db.insertInto('provider_accounts').values(row).execute();
  }

  async update(id: string, patch: Updateable<ProviderAccountTable>): Promise<void> {
    await this.db.updateTable('provider_accounts').set(patch).where('id', '=', id).execute();
  }

  /** Foreign instances of accounts that still exist, most recently seen first. */
  async foreignInstances() {
    return this.db
      .selectFrom('foreign_instances')
      .innerJoin('provider_accounts', 'provider_accounts.id', 'foreign_instances.account_id')
      .where('provider_accounts.deleted_at', 'is', null)
      .select([
        'foreign_instances.account_id',
        'foreign_instances.provider_instance_id',
        'foreign_instances.name',
        'foreign_instances.provider_status',
        'foreign_instances.first_seen_at',
        'foreign_instances.last_seen_at',
      ])
      .orderBy('foreign_instances.last_seen_at', 'desc')
      .orderBy('foreign_instances.provider_instance_id')
      .execute();
  }
}
