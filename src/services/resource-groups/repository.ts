import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { ResourceGroupDetails } from '../../contract/resource-groups.ts';
import type { Database, ResourceGroupTable } from '../../store/schema.ts';

export type ResourceGroupRow = Selectable<ResourceGroupTable> & { vm_count: number | string | bigint | null };

/** `resource_groups` rows; "live" means not soft-deleted. */
export class ResourceGroupRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Live groups with `vm_count`, the number of their VMs that are not destroyed. */
  live() {
    return this.db
      .selectFrom('resource_groups')
      .selectAll('resource_groups')
      .select((eb) =>
        eb
          .selectFrom('vms')
          .whereRef('vms.resource_group_id', '=', 'resource_groups.id')
          .where('vms.deleted_at', 'is', null)
          .select((sub) => sub.fn.countAll().as('n'))
          .as('vm_count'),
      )
      .where('resource_groups.deleted_at', 'is', null);
  }

  async getLive(id: string): Promise<ResourceGroupRow | undefined> {
    return this.live().where('resource_groups.id', '=', id).executeTakeFirst();
  }

  async findLiveByName(name: string, exceptId?: string): Promise<{ id: string; name: string } | undefined> {
    let query = this.db
      .selectFrom('resource_groups')
      .select(['id', 'name'])
      .where('deleted_at', 'is', null)
      .where(sql<boolean>`lower(name) = ${name.toLowerCase()}`);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return query.executeTakeFirst();
  }

  async insert(row: Insertable<ResourceGroupTable>): Promise<void> {
    await this.db.insertInto('resource_groups').values(row).execute();
  }

  async update(id: string, patch: Updateable<ResourceGroupTable>): Promise<void> {
    await this.db.updateTable('resource_groups').set(patch).where('id', '=', id).execute();
  }
}

export function toResourceGroupDetails(row: ResourceGroupRow): ResourceGroupDetails {
  const hasBudget = row.budget_monthly_amount !== null;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    vmCount: Number(row.vm_count ?? 0),
    budget: hasBudget
      ? {
          monthlyAmount: Number(row.budget_monthly_amount),
          currency: row.budget_currency ?? 'usd',
          warnAtPercent: row.budget_warn_percent ?? 80,
          action: (row.budget_action ?? 'refuse') as 'stop' | 'delete' | 'refuse',
        }
      : null,
  };
}
