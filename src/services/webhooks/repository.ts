import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Webhook, WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookStatus } from '../../contract/webhooks.ts';
import type { EventType, PlatformEvent } from '../../core/domain/events.ts';
import type { Database, WebhookDeliveryTable, WebhookTable } from '../../store/schema.ts';

export type WebhookRow = Selectable<WebhookTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;

/** Attempts a delivery keeps in its log; older ones are dropped. */
export const ATTEMPT_LOG_LIMIT = 50;

/**
 * The event fan-out of webhooks (`EventPublisher.addFanout`): in the event's own transaction, one pending
 * delivery per active webhook of the event's entity that subscribes to its type. A `webhook.test` event goes
 * only to the webhook named in its data; a `webhook.disabled` event never to the webhook it is about.
 * Returns how many deliveries it queued.
 */
export async function queueDeliveries(trx: Kysely<Database>, event: PlatformEvent): Promise<number> {
  let query = trx
    .selectFrom('webhooks')
    .select(['id', 'events_json'])
    .where('entity_id', '=', event.entityId)
    .where('status', '=', 'active');
  if (event.type === 'webhook.test') {
    const target = event.data.webhookId;
    if (typeof target !== 'string') return 0;
    query = query.where('id', '=', target);
  } else if (event.type === 'webhook.disabled') query = query.where('id', '!=', event.subject.id);
  const webhooks = await query.execute();
  const rows = webhooks
    .filter((w) => event.type === 'webhook.test' || (JSON.parse(w.events_json) as string[]).includes(event.type))
    .map((w) => ({
      id: randomUUID(),
      webhook_id: w.id,
      entity_id: event.entityId,
      event_id: event.id,
      event_type: event.type,
      status: 'pending',
      attempts: 0,
      retry_from: 0,
      response_code: null,
      last_error: null,
      next_attempt_at: event.time,
      delivered_at: null,
      attempt_log_json: '[]',
      lease_owner: null,
      lease_until: null,
      created_at: event.time,
      updated_at: event.time,
    }));
  if (rows.length > 0) await trx.insertInto('webhook_deliveries').values(rows).execute();
  return rows.length;
}

export function toWebhook(row: WebhookRow): Webhook {
  const previousLive = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > new Date().toISOString();
  return {
    id: row.id,
    entityId: row.entity_id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events_json) as EventType[],
    status: row.status as WebhookStatus,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    secretPrefix: row.secret_prefix,
    previousSecretExpiresAt: previousLive ? row.previous_secret_expires_at : null,
    consecutiveFailures: Number(row.consecutive_failures),
    lastDeliveryAt: row.last_delivery_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type as EventType,
    status: row.status as WebhookDeliveryStatus,
    attempts: Number(row.attempts),
    responseCode: row.response_code === null ? null : Number(row.response_code),
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    attemptLog: JSON.parse(row.attempt_log_json) as WebhookAttempt[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The attempt log with one more attempt, keeping the newest `ATTEMPT_LOG_LIMIT`. */
export function appendAttempt(logJson: string, attempt: WebhookAttempt): string {
  const log = JSON.parse(logJson) as WebhookAttempt[];
  log.push(attempt);
  return JSON.stringify(log.slice(-ATTEMPT_LOG_LIMIT));
}
