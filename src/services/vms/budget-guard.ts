import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { monthToDateCost } from '../costs/service.ts';
import { conflict } from '../errors.ts';

/** Refuses new orders into a resource group whose monthly budget is spent and whose cap action is `refuse`. */
export class BudgetGuard {
  constructor(private readonly db: Kysely<Database>) {}

  async assertCanOrder(groupId: string): Promise<void> {
    const group = await this.db
      .selectFrom('resource_groups')
      .select(['name', 'budget_monthly_amount', 'budget_currency', 'budget_action'])
      .where('id', '=', groupId)
      .executeTakeFirst();
    if (!group || group.budget_monthly_amount === null || group.budget_action !== 'refuse') return;
    const spent = await monthToDateCost(this.db, groupId);
    if (spent >= group.budget_monthly_amount) {
      throw conflict(
        'BUDGET_EXCEEDED',
        `Resource group ${group.name} has spent ${spent.toFixed(2)} of its ${group.budget_monthly_amount} ${group.budget_currency ?? ''} monthly budget; new orders are refused until next month or a higher budget`,
      );
    }
  }
}
