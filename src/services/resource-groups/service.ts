import { randomUUID } from 'node:crypto';
import type { Updateable } from 'kysely';
import type { ResourceGroupBudget, ResourceGroupDetails } from '../../contract/resource-groups.ts';
import type { Store } from '../../store/database.ts';
import type { ResourceGroupTable } from '../../store/schema.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { cleanName } from '../names.ts';
import { paginate } from '../pagination.ts';
import type { ListQuery, Page, ResourceGroupService as ResourceGroupServiceContract } from '../types.ts';
import { lockForWrite } from '../write-lock.ts';
import { ResourceGroupRepository, toResourceGroupDetails } from './repository.ts';

export const RESOURCE_GROUP_SORTABLE = {
  name: 'resource_groups.name',
  createdAt: 'resource_groups.created_at',
  updatedAt: 'resource_groups.updated_at',
  vmCount: 'vm_count',
} as const;

const LOCK_SCOPE = 'resource_groups';
const MAX_DESCRIPTION_LENGTH = 500;
const BUDGET_ACTIONS: readonly ResourceGroupBudget['action'][] = ['stop', 'delete', 'refuse'];

export interface ResourceGroupServiceDeps {
  store: Store;
  clock?: () => Date;
}

/** Resource groups (GPCN's teams): named buckets of VMs with an optional monthly budget. */
export class ResourceGroupService implements ResourceGroupServiceContract {
  private readonly store: Store;
  private readonly repo: ResourceGroupRepository;
  private readonly now: () => string;

  constructor(deps: ResourceGroupServiceDeps) {
    this.store = deps.store;
    this.repo = new ResourceGroupRepository(deps.store.db);
    const clock = deps.clock ?? (() => new Date());
    this.now = () => clock().toISOString();
  }

  list(query: ListQuery): Promise<Page<ResourceGroupDetails>> {
    return paginate(this.repo.live(), query, {
      sortable: RESOURCE_GROUP_SORTABLE,
      searchColumns: ['resource_groups.name'],
      tiebreaker: 'resource_groups.id',
      map: toResourceGroupDetails,
    });
  }

  async get(id: string): Promise<ResourceGroupDetails> {
    const row = await this.repo.getLive(id);
    if (!row) throw notFound('resource group', id);
    return toResourceGroupDetails(row);
  }

  async create(input: { name: string; description?: string; budget?: ResourceGroupBudget }): Promise<ResourceGroupDetails> {
    const name = cleanName(input.name, 'name');
    const description = cleanDescription(input.description);
    const budget = input.budget === undefined ? null : cleanBudget(input.budget);
    const id = randomUUID();
    return this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      const repo = new ResourceGroupRepository(trx);
      await assertNameFree(repo, name);
      const at = this.now();
      await repo.insert({
        id,
        name,
        description,
        ...budgetColumns(budget),
        created_at: at,
        updated_at: at,
        deleted_at: null,
      });
      return toResourceGroupDetails((await repo.getLive(id))!);
    });
  }

  async update(
    id: string,
    input: { name?: string; description?: string | null; budget?: ResourceGroupBudget | null },
  ): Promise<ResourceGroupDetails> {
    const name = input.name === undefined ? undefined : cleanName(input.name, 'name');
    const description = input.description === undefined ? undefined : cleanDescription(input.description);
    const budget = input.budget === undefined ? undefined : input.budget === null ? null : cleanBudget(input.budget);
    return this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      const repo = new ResourceGroupRepository(trx);
      const row = await repo.getLive(id);
      if (!row) throw notFound('resource group', id);
      if (name !== undefined) await assertNameFree(repo, name, id);
      const patch: Updateable<ResourceGroupTable> = { updated_at: this.now() };
      if (name !== undefined) patch.name = name;
      if (description !== undefined) patch.description = description;
      if (budget !== undefined) Object.assign(patch, budgetColumns(budget));
      await repo.update(id, patch);
      return toResourceGroupDetails((await repo.getLive(id))!);
    });
  }

  async remove(id: string): Promise<void> {
    const row = await this.repo.getLive(id);
    if (!row) throw notFound('resource group', id);
    const vmCount = Number(row.vm_count ?? 0);
    if (vmCount > 0) {
      throw conflict(
        'RESOURCE_GROUP_NOT_EMPTY',
        `resource group "${row.name}" still has ${vmCount} VM${vmCount === 1 ? '' : 's'}; delete or move them first`,
        { vmCount },
      );
    }
    const at = this.now();
    await this.repo.update(id, { deleted_at: at, updated_at: at });
  }
}

async function assertNameFree(repo: ResourceGroupRepository, name: string, exceptId?: string): Promise<void> {
  const taken = await repo.findLiveByName(name, exceptId);
  if (taken) throw conflict('NAME_TAKEN', `a resource group named "${taken.name}" already exists`);
}

function cleanDescription(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badRequest('VALIDATION_ERROR', 'description must be a string');
  const text = value.trim();
  if (text.length > MAX_DESCRIPTION_LENGTH) {
    throw badRequest('VALIDATION_ERROR', `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return text.length === 0 ? null : text;
}

function cleanBudget(budget: ResourceGroupBudget): ResourceGroupBudget {
  if (typeof budget !== 'object' || budget === null) throw badRequest('VALIDATION_ERROR', 'budget must be an object');
  const { monthlyAmount, currency, warnAtPercent, action } = budget;
  if (typeof monthlyAmount !== 'number' || !Number.isFinite(monthlyAmount) || monthlyAmount <= 0) {
    throw badRequest('VALIDATION_ERROR', 'budget.monthlyAmount must be a positive number');
  }
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
    throw badRequest('VALIDATION_ERROR', 'budget.currency must be a three-letter ISO 4217 code');
  }
  if (!Number.isInteger(warnAtPercent) || warnAtPercent < 1 || warnAtPercent > 100) {
    throw badRequest('VALIDATION_ERROR', 'budget.warnAtPercent must be an integer from 1 to 100');
  }
  if (!BUDGET_ACTIONS.includes(action))
    throw badRequest('VALIDATION_ERROR', `budget.action must be one of ${BUDGET_ACTIONS.join(', ')}`);
  // Prices carry lower-case currencies (as the providers send them); budgets are compared with them.
  return { monthlyAmount, currency: currency.toLowerCase(), warnAtPercent, action };
}

/**
 * The budget's columns. Any change also clears the months already warned about or enforced, so a raised
 * or lowered budget is judged afresh within the current month.
 */
function budgetColumns(budget: ResourceGroupBudget | null): Updateable<ResourceGroupTable> {
  return {
    budget_monthly_amount: budget?.monthlyAmount ?? null,
    budget_currency: budget?.currency ?? null,
    budget_warn_percent: budget?.warnAtPercent ?? null,
    budget_action: budget?.action ?? null,
    budget_warned_month: null,
    budget_enforced_month: null,
  };
}
