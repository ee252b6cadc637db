/**
 * Everything that happens to a resource is one model, the contract's `PlatformEvent` (`src/contract/events.ts`):
 * stored (so it can be replayed), streamed to subscribers of `/v1/events`, and delivered to webhooks.
 */

import type { EventType } from '../../contract/event-types.ts';
import type { EventSubjectKind } from '../../contract/events.ts';

export type { EventType } from '../../contract/event-types.ts';
export type { EventSubjectKind, PlatformEvent } from '../../contract/events.ts';

/** What a publisher is given: the rest (id, seq, time) is assigned when it is stored. */
export interface EventInput {
  type: EventType;
  entityId: string;
  subject: { kind: EventSubjectKind; id: string };
  data?: Record<string, unknown>;
  /** Defaults to now. */
  time?: string;
}
