/**
 * Everything that happens to a resource, as one model: stored (so it can be replayed), streamed to
 * subscribers of `/v1/events`, and delivered to webhooks. Types are dotted `<subject>.<what>` names;
 * clients may rely on them, so a type is added, never renamed.
 */
import type { EventType } from '../../contract/event-types.ts';

export type { EventType } from '../../contract/event-types.ts';

export type EventSubjectKind = 'vm' | 'job' | 'volume' | 'ssh_key' | 'webhook' | 'account' | 'resource_group';

/** One stored event. */
export interface PlatformEvent {
  /** A uuid; the SSE `id:` and the de-duplication key for webhook receivers. */
  id: string;
  /** Store order (strictly increasing); what `Last-Event-ID` resumes from. */
  seq: number;
  type: EventType;
  /** ISO-8601 UTC. */
  time: string;
  entityId: string;
  subject: { kind: EventSubjectKind; id: string };
  /** Type-specific facts; never secrets. */
  data: Record<string, unknown>;
}

/** What a publisher is given: the rest (id, seq, time) is assigned when it is stored. */
export interface EventInput {
  type: EventType;
  entityId: string;
  subject: { kind: EventSubjectKind; id: string };
  data?: Record<string, unknown>;
  /** Defaults to now. */
  time?: string;
}
