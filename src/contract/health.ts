import { type Static, Type } from '@sinclair/typebox';
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
export type HealthReport = Static<typeof HealthSchema>;

export const ReadinessStatusSchema = StringEnum(['ok', 'pending', 'failing'] as const);
/** `ok`: working; `pending`: an account not synced yet (counts as ready); `failing`: not ready. */
export type ReadinessStatus = Static<typeof ReadinessStatusSchema>;

export const ReadinessSchema = Type.Object(
  {
    ready: Type.Boolean(),
    store: Type.Object({ status: StringEnum(['ok', 'failing'] as const), latencyMs: Type.Number() }),
    accounts: Type.Array(
      Type.Object({
        name: Type.String(),
        provider: Type.String(),
        status: ReadinessStatusSchema,
        health: Type.String({ description: '`ok`, `auth_failed`, `unreachable` or `unknown`, from the last sync' }),
        lastSyncedAt: Nullable(Type.String()),
      }),
    ),
  },
  {
    $id: 'Readiness',
    description:
      'Each enabled provider account, as its last status sync left it (`pending`: not synced yet, still ready; `failing`: not ready).',
  },
);
/** Account entries carry no credentials, base URL or provider error text: the report is public, like `/healthz`. */
export type ReadinessReport = Static<typeof ReadinessSchema>;
