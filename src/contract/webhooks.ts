import { type Static, Type } from '@sinclair/typebox';
import { Body, DateTime, ListQuery, Nullable, ref, StringEnum, Uuid } from './common.ts';
import { EVENT_TYPES } from './event-types.ts';

export const WEBHOOK_SORTABLE = ['createdAt', 'updatedAt', 'url'] as const;
export const WEBHOOK_DELIVERY_SORTABLE = ['createdAt', 'updatedAt', 'nextAttemptAt'] as const;

export const WEBHOOK_STATUSES = ['active', 'disabled'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

const EventTypeList = Type.Array(StringEnum(EVENT_TYPES), {
  minItems: 1,
  maxItems: EVENT_TYPES.length,
  uniqueItems: true,
  description: `Event types delivered to this webhook: ${EVENT_TYPES.join(', ')}`,
});

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'http or https. Private, loopback and link-local addresses are refused unless the operator allows them ' +
    '(allowed in sandbox mode); the operator may also restrict hosts to an allow-list.',
});

const webhookProperties = {
  id: Uuid(),
  entityId: Uuid(),
  url: Type.String(),
  description: Type.String(),
  events: Type.Array(StringEnum(EVENT_TYPES)),
  status: StringEnum(WEBHOOK_STATUSES, {
    description: '`disabled` by a user, or by gpufleet after a delivery kept failing (see `disabledReason`)',
  }),
  disabledReason: Nullable(Type.String({ description: 'Why it is disabled; null while active' })),
  disabledAt: Nullable(DateTime()),
  secretPrefix: Type.String({ description: 'The first characters of the signing secret, to tell secrets apart' }),
  previousSecretExpiresAt: Nullable(
    DateTime('After a rotation the old secret also signs deliveries until then, so receivers can switch without a gap'),
  ),
  consecutiveFailures: Type.Integer({ description: 'Deliveries that ended failed since the last one delivered' }),
  lastDeliveryAt: Nullable(DateTime('When a delivery last succeeded')),
  createdAt: DateTime(),
  updatedAt: DateTime(),
};

export const WebhookSchema = Type.Object(webhookProperties, {
  $id: 'Webhook',
  description:
    'A receiver of events. Each delivery is a POST of the PlatformEvent as JSON, signed with the Standard Webhooks ' +
    'scheme: `webhook-id` (the event id, for de-duplication), `webhook-timestamp` (Unix seconds) and ' +
    '`webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, space-separated when two secrets sign).',
});
/** A receiver of events (the signing secret is never part of it; see `WebhookWithSecret`). */
export type Webhook = Static<typeof WebhookSchema>;

export const WebhookWithSecretSchema = Type.Object(
  {
    ...webhookProperties,
    secret: Type.String({ description: 'The signing secret (`whsec_…`), shown in this answer only' }),
  },
  { $id: 'WebhookWithSecret' },
);
/** What create and rotate answer: the secret, shown that once. */
export type WebhookWithSecret = Static<typeof WebhookWithSecretSchema>;

export const WebhookAttemptSchema = Type.Object(
  {
    at: DateTime(),
    responseCode: Nullable(Type.Integer({ description: 'HTTP status the receiver answered; null when none' })),
    error: Nullable(Type.String({ description: 'Timeout, connection refused, refused address…; null on an answer' })),
    durationMs: Type.Integer(),
  },
  { $id: 'WebhookAttempt' },
);
export type WebhookAttempt = Static<typeof WebhookAttemptSchema>;

export const WebhookDeliverySchema = Type.Object(
  {
    id: Uuid(),
    webhookId: Uuid(),
    eventId: Uuid('The event delivered; also the `webhook-id` header'),
    eventType: StringEnum(EVENT_TYPES),
    status: StringEnum(WEBHOOK_DELIVERY_STATUSES, {
      description: '`pending` until a 2xx (`delivered`) or until retries run out (`failed`)',
    }),
    attempts: Type.Integer({ description: 'Attempts made so far' }),
    responseCode: Nullable(Type.Integer({ description: 'The last attempt’s HTTP status' })),
    lastError: Nullable(Type.String()),
    nextAttemptAt: Nullable(DateTime('When the next attempt is due; null once delivered or failed')),
    deliveredAt: Nullable(DateTime()),
    attemptLog: Type.Array(ref(WebhookAttemptSchema), { description: 'Every attempt, oldest first (the last 50)' }),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { $id: 'WebhookDelivery' },
);
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>;

export const CreateWebhookBody = Body({
  url: WebhookUrl,
  events: EventTypeList,
  description: Type.Optional(Type.String({ maxLength: 500 })),
});
export type WebhookCreateInput = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Body({
  url: Type.Optional(WebhookUrl),
  events: Type.Optional(EventTypeList),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  status: Type.Optional(
    StringEnum(WEBHOOK_STATUSES, { description: '`active` re-enables a disabled webhook and clears its failure count' }),
  ),
});
export type WebhookUpdateInput = Static<typeof UpdateWebhookBody>;

export const WebhookListQuery = ListQuery(WEBHOOK_SORTABLE, {
  status: Type.Optional(StringEnum(WEBHOOK_STATUSES)),
});

export const WebhookDeliveryListQuery = ListQuery(WEBHOOK_DELIVERY_SORTABLE, {
  status: Type.Optional(StringEnum(WEBHOOK_DELIVERY_STATUSES)),
});
