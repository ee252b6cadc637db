import { Type } from '@sinclair/typebox';
import { Nullable, StringEnum } from './common.ts';

export const HealthSchema = Type.Object(
  {
    status: StringEnum(['ok', 'degraded'] as const),
    version: Type.String(),
    mode: StringEnum(['sandbox', 'production'] as const),
    database: StringEnum(['sqlite', 'postgres'] as const),
    accounts: Type.Array(
      Type.Object({
        id: Type.String(),
        provider: Type.String(),
        name: Type.String(),
        health: Type.String(),
        lastSyncedAt: Nullable(Type.String()),
      }),
    ),
  },
  { $id: 'Health' },
);
