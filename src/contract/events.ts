import { type Static, Type } from '@sinclair/typebox';
import { DateTime, MAX_PAGE, StringEnum, Uuid } from './common.ts';
import { EVENT_TYPES } from './event-types.ts';

/** `createdAt` is accepted as GPCN's name for an event's time, so a GPCN client's default sort works here too. */
export const EVENT_SORTABLE = ['time', 'seq', 'createdAt'] as const;

export const EventSubjectKindSchema = StringEnum([
  'vm',
  'job',
  'volume',
  'ssh_key',
  'webhook',
  'account',
  'resource_group',
] as const);
export type EventSubjectKind = Static<typeof EventSubjectKindSchema>;

export const PlatformEventSchema = Type.Object(
  {
    id: Uuid('The SSE `id:`; what `Last-Event-ID` names, and the key receivers de-duplicate on'),
    seq: Type.Integer({ description: 'Store order, strictly increasing' }),
    type: StringEnum(EVENT_TYPES, { description: 'Also the SSE `event:`' }),
    time: DateTime(),
    entityId: Uuid(),
    subject: Type.Object(
      { kind: EventSubjectKindSchema, id: Type.String({ description: 'The resource the event is about' }) },
      { additionalProperties: false },
    ),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'Type-specific facts, never secrets. `vm.status_changed`: `from`, `to`, `providerStatus`, `reason`, `name`; ' +
        '`job.*`: `operation`, `vmId`, `stage`, `progress`, `message`; see each type.',
    }),
  },
  { $id: 'PlatformEvent', description: 'Something that happened to a resource; stored, so it can be replayed.' },
);
export type PlatformEvent = Static<typeof PlatformEventSchema>;

export const EventQuery = Type.Object(
  {
    format: Type.Optional(
      StringEnum(['sse', 'json'] as const, {
        description: '`sse` (the default): a Server-Sent Events stream; `json`: one page of the stored events, newest first',
      }),
    ),
    types: Type.Optional(
      Type.String({ maxLength: 2000, description: `Comma-separated event types to keep: ${EVENT_TYPES.join(', ')}` }),
    ),
    subjectId: Type.Optional(Uuid('Only events about this resource (VM, job, volume, SSH key…)')),
    lastEventId: Type.Optional(
      Uuid('Stream only: resume after this event (as the `Last-Event-ID` header, which wins when both are sent)'),
    ),
    since: Type.Optional(DateTime('JSON only: events at or after this time')),
    until: Type.Optional(DateTime('JSON only: events at or before this time')),
    // No schema defaults: a stream refuses paging, so the route must see whether it was sent.
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, description: 'JSON only: 1-based page (default 1)' })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'JSON only: items per page, 1–100 (default 10)' }),
    ),
    sort: Type.Optional(
      Type.String({
        maxLength: 200,
        description: `JSON only: \`field:asc|desc\` (default \`seq:desc\`, newest first). Sortable: ${EVENT_SORTABLE.join(', ')} (\`createdAt\` is the event time, as GPCN clients name it)`,
      }),
    ),
  },
  { additionalProperties: false },
);
