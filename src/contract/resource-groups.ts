import { type Static, Type } from '@sinclair/typebox';
import { Body, DateTime, ListQuery, Nullable, NullableObject, StringEnum, Uuid } from './common.ts';

export const RESOURCE_GROUP_SORTABLE = ['createdAt', 'updatedAt', 'name'] as const;

export const BudgetSchema = Type.Object(
  {
    monthlyAmount: Type.Number({ minimum: 0, maximum: 1_000_000_000 }),
    currency: Type.String({ minLength: 3, maxLength: 3, description: 'ISO 4217, e.g. usd' }),
    warnAtPercent: Type.Number({ minimum: 0, maximum: 100 }),
    action: StringEnum(['stop', 'delete', 'refuse'] as const, { description: 'What happens when the budget is spent' }),
  },
  { additionalProperties: false, description: 'gpufleet: monthly spending limit of the group' },
);
export type ResourceGroupBudget = Static<typeof BudgetSchema>;

export const ResourceGroupSchema = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    description: Nullable(Type.String()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    vmCount: Type.Integer({ description: 'VMs of the group that are not destroyed' }),
    budget: NullableObject(BudgetSchema),
  },
  { $id: 'ResourceGroup' },
);
export type ResourceGroupDetails = Static<typeof ResourceGroupSchema>;

const GroupName = Type.String({ minLength: 1, maxLength: 100 });
const GroupDescription = Type.String({ maxLength: 1000 });

export const CreateResourceGroupBody = Body({
  name: GroupName,
  description: Type.Optional(GroupDescription),
  budget: Type.Optional(BudgetSchema),
});
export type ResourceGroupCreateInput = Static<typeof CreateResourceGroupBody>;

export const UpdateResourceGroupBody = Body({
  name: Type.Optional(GroupName),
  description: Type.Optional(Nullable(GroupDescription)),
  budget: Type.Optional(NullableObject(BudgetSchema, 'null removes the budget')),
});
export type ResourceGroupUpdateInput = Static<typeof UpdateResourceGroupBody>;

export const ResourceGroupListQuery = ListQuery(RESOURCE_GROUP_SORTABLE, {});
