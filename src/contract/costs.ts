import { type Static, Type } from '@sinclair/typebox';
import { DateTime, StringEnum } from './common.ts';

export const COST_GROUPS = ['vm', 'resourceGroup', 'provider', 'apiKey'] as const;

export const CostQuerySchema = Type.Object(
  {
    from: Type.Optional(DateTime('Start of the period (default 30 days before `to`)')),
    to: Type.Optional(DateTime('End of the period (default now)')),
    groupBy: Type.Optional(StringEnum(COST_GROUPS, { default: 'vm' })),
  },
  { additionalProperties: false },
);

export const CostReportSchema = Type.Object(
  {
    from: DateTime(),
    to: DateTime(),
    groupBy: StringEnum(COST_GROUPS),
    rows: Type.Array(
      Type.Object({
        key: Type.String(),
        label: Type.String(),
        amount: Type.Number(),
        currency: Type.String(),
        hours: Type.Number(),
      }),
    ),
    total: Type.Array(Type.Object({ amount: Type.Number(), currency: Type.String() }), { description: 'One entry per currency' }),
  },
  { $id: 'CostReport' },
);
export type CostReport = Static<typeof CostReportSchema>;
