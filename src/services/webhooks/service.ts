import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  Webhook,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookStatus,
  WebhookWithSecret,
} from '../../contract/webhooks.ts';
import type { EventType } from '../../core/domain/events.ts';
import type { Principal } from '../../core/domain/types.ts';
import type { Store } from '../../store/database.ts';
import type { Database } from '../../store/schema.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import type { EventPublisher } from '../events/publisher.ts';
import { paginate } from '../pagination.ts';
import type { SecretBox } from '../secrets.ts';
import type { ListQuery, Page, WebhookService as WebhookServiceContract } from '../types.ts';
import { toDelivery, toWebhook, type WebhookRow } from './repository.ts';
import { newWebhookSecret, PREVIOUS_SECRET_TTL_MS, secretPrefixOf } from './signing.ts';
import type { UrlGuard } from './url-guard.ts';

const WEBHOOK_SORTABLE = { createdAt: 'created_at', updatedAt: 'updated_at', url: 'url' } as const;
const DELIVERY_SORTABLE = { createdAt: 'created_at', updatedAt: 'updated_at', nextAttemptAt: 'next_attempt_at' } as const;

/** The sealing context of a webhook's secrets: a sealed secret copied to another row does not open. */
export const secretContext = (webhookId: string) => `webhook:${webhookId}`;

export interface WebhookServiceDeps {
  store: Store;
  secrets: SecretBox;
  events: EventPublisher;
  guard: UrlGuard;
  /** Tell the delivery worker that a delivery is due now (a redelivery), so it does not wait for its next tick. */
  nudge?: () => void;
}

/**
 * Webhooks of the caller's entity: another entity's webhook is not found. Secrets are sealed at rest and
 * answered once (create, rotate). Deliveries are written by the event fan-out and sent by the delivery
 * worker; this service only reads them and queues them again.
 */
export class WebhookService implements WebhookServiceContract {
  constructor(private readonly deps: WebhookServiceDeps) {}

  private get db(): Kysely<Database> {
    return this.deps.store.db;
  }

  private owned(principal: Principal, db: Kysely<Database> = this.db) {
    return db.selectFrom('webhooks').selectAll().where('entity_id', '=', principal.entityId);
  }

  private async row(id: string, principal: Principal, db: Kysely<Database> = this.db): Promise<WebhookRow> {
    const row = await this.owned(principal, db).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Webhook', id);
    return row;
  }

  list(query: ListQuery & { status?: WebhookStatus }, principal: Principal): Promise<Page<Webhook>> {
    let base = this.owned(principal);
    if (query.status) base = base.where('status', '=', query.status);
    return paginate(base, query, {
      sortable: WEBHOOK_SORTABLE,
      searchColumns: ['url', 'description'],
      tiebreaker: 'id',
      map: toWebhook,
    });
  }

  async get(id: string, principal: Principal): Promise<Webhook> {
    return toWebhook(await this.row(id, principal));
  }

  async create(
    input: { url: string; events: EventType[]; description?: string },
    principal: Principal,
  ): Promise<WebhookWithSecret> {
    const url = (await this.deps.guard.check(input.url)).url.toString();
    const events = checkEvents(input.events);
    const id = randomUUID();
    const secret = newWebhookSecret();
    const at = new Date().toISOString();
    await this.db
      .insertInto('webhooks')
      .values({
        id,
        entity_id: principal.entityId,
        url,
        description: input.description?.trim() ?? '',
        events_json: JSON.stringify(events),
        status: 'active',
        disabled_reason: null,
        disabled_at: null,
        secret_enc: this.deps.secrets.seal(secret, secretContext(id)),
        secret_prefix: secretPrefixOf(secret),
        previous_secret_enc: null,
        previous_secret_expires_at: null,
        consecutive_failures: 0,
        last_delivery_at: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    return { ...(await this.get(id, principal)), secret };
  }

  async update(
    id: string,
    patch: { url?: string; events?: EventType[]; description?: string; status?: WebhookStatus },
    principal: Principal,
  ): Promise<Webhook> {
    const current = await this.row(id, principal);
    const url = patch.url === undefined ? undefined : (await this.deps.guard.check(patch.url)).url.toString();
    const events = patch.events === undefined ? undefined : checkEvents(patch.events);
    const at = new Date().toISOString();
    let statusChange = {};
    if (patch.status === 'active' && (current.status !== 'active' || current.consecutive_failures > 0))
      statusChange = { status: 'active', disabled_reason: null, disabled_at: null, consecutive_failures: 0 };
    else if (patch.status === 'disabled' && current.status !== 'disabled')
      statusChange = { status: 'disabled', disabled_reason: `Disabled by ${principal.name}`, disabled_at: at };
    await this.db
      .updateTable('webhooks')
      .set({
        ...(url !== undefined ? { url } : {}),
        ...(events !== undefined ? { events_json: JSON.stringify(events) } : {}),
        ...(patch.description !== undefined ? { description: patch.description.trim() } : {}),
        ...statusChange,
        updated_at: at,
      })
      .where('id', '=', id)
      .where('entity_id', '=', principal.entityId)
      .execute();
    // Deliveries held back while it was disabled are due again.
    if (patch.status === 'active') this.deps.nudge?.();
    return this.get(id, principal);
  }

  async delete(id: string, principal: Principal): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.row(id, principal, trx);
      // Its deliveries go with it: nothing is sent to a webhook that no longer exists.
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      await trx.deleteFrom('webhooks').where('id', '=', id).execute();
    });
  }

  async rotateSecret(id: string, principal: Principal): Promise<WebhookWithSecret> {
    const current = await this.row(id, principal);
    const secret = newWebhookSecret();
    const now = Date.now();
    await this.db
      .updateTable('webhooks')
      .set({
        secret_enc: this.deps.secrets.seal(secret, secretContext(id)),
        secret_prefix: secretPrefixOf(secret),
        // Only the secret being replaced keeps signing; one rotated out before it stops at once.
        previous_secret_enc: current.secret_enc,
        previous_secret_expires_at: new Date(now + PREVIOUS_SECRET_TTL_MS).toISOString(),
        updated_at: new Date(now).toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return { ...(await this.get(id, principal)), secret };
  }

  async sendTest(id: string, principal: Principal): Promise<WebhookDelivery> {
    const row = await this.db.transaction().execute(async (trx) => {
      const webhook = await this.row(id, principal, trx);
      assertActive(webhook);
      const event = await this.deps.events.publish(
        {
          type: 'webhook.test',
          entityId: principal.entityId,
          subject: { kind: 'webhook', id },
          data: { webhookId: id, url: webhook.url, requestedBy: principal.name },
        },
        trx,
      );
      return trx
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('webhook_id', '=', id)
        .where('event_id', '=', event.id)
        .executeTakeFirstOrThrow();
    });
    return toDelivery(row);
  }

  async listDeliveries(
    id: string,
    query: ListQuery & { status?: WebhookDeliveryStatus },
    principal: Principal,
  ): Promise<Page<WebhookDelivery>> {
    await this.row(id, principal);
    let base = this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', id)
      .where('entity_id', '=', principal.entityId);
    if (query.status) base = base.where('status', '=', query.status);
    return paginate(base, query, {
      sortable: DELIVERY_SORTABLE,
      searchColumns: ['event_type'],
      tiebreaker: 'id',
      map: toDelivery,
    });
  }

  async getDelivery(id: string, deliveryId: string, principal: Principal): Promise<WebhookDelivery> {
    await this.row(id, principal);
    return toDelivery(await this.deliveryRow(id, deliveryId, principal));
  }

  async redeliver(id: string, deliveryId: string, principal: Principal): Promise<WebhookDelivery> {
    assertActive(await this.row(id, principal));
    const delivery = await this.deliveryRow(id, deliveryId, principal);
    const at = new Date().toISOString();
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: 'pending',
        next_attempt_at: at,
        // A pending one just goes now; a finished one starts a retry schedule of its own.
        ...(delivery.status === 'pending' ? {} : { retry_from: delivery.attempts }),
        updated_at: at,
      })
      .where('id', '=', deliveryId)
      .execute();
    this.deps.nudge?.();
    return toDelivery(await this.deliveryRow(id, deliveryId, principal));
  }

  private async deliveryRow(id: string, deliveryId: string, principal: Principal) {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', deliveryId)
      .where('webhook_id', '=', id)
      .where('entity_id', '=', principal.entityId)
      .executeTakeFirst();
    if (!row) throw notFound('Webhook delivery', deliveryId);
    return row;
  }
}

/** Nothing is sent to a disabled webhook; say how to turn it back on instead of queueing silently. */
function assertActive(webhook: WebhookRow): void {
  if (webhook.status !== 'active')
    throw conflict(
      'WEBHOOK_DISABLED',
      `webhook ${webhook.id} is disabled${webhook.disabled_reason ? ` (${webhook.disabled_reason})` : ''}; ` +
        're-enable it with PUT {"status":"active"} first',
    );
}

/** The schema already refuses unknown and repeated types; this keeps callers other than the API honest too. */
function checkEvents(events: EventType[]): EventType[] {
  if (events.length === 0)
    throw badRequest('VALIDATION_ERROR', 'events must name at least one event type', { field: 'body.events' });
  return [...new Set(events)];
}
