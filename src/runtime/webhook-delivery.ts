import { randomUUID } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import type { Kysely } from 'kysely';
import type { WebhookAttempt } from '../contract/webhooks.ts';
import type { Logger } from '../logger.ts';
import type { EventPublisher } from '../services/events/publisher.ts';
import { eventFromRow } from '../services/events/publisher.ts';
import type { SecretBox } from '../services/secrets.ts';
import { appendAttempt, type WebhookDeliveryRow, type WebhookRow } from '../services/webhooks/repository.ts';
import { secretContext } from '../services/webhooks/service.ts';
import { signatureHeaders } from '../services/webhooks/signing.ts';
import { isGuardRefusal, type UrlGuard } from '../services/webhooks/url-guard.ts';
import type { Database } from '../store/schema.ts';
import { PeriodicTask } from './periodic.ts';
import { type PostResult, pinnedLookup, postJson } from './webhook-post.ts';

/**
 * Delays before each retry, like Standard Webhooks / Svix: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight
 * attempts over a little more than 27 hours, so a receiver down for a day still gets every event.
 */
export const DEFAULT_RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** What one attempt ended in, for `gpufleet_webhook_deliveries_total{outcome}`. */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'disabled';

export interface WebhookDeliveryOptions {
  /** Delay before retry n (1-based index n-1); once used up the delivery has failed. */
  retryScheduleMs: readonly number[];
  tickMs: number;
  /** Longest one attempt may take (connect, send, answer). */
  timeoutMs: number;
  /** Attempts in flight at once in this process. */
  concurrency: number;
  /** Final failures in a row after which the webhook is disabled. */
  disableAfterFailures: number;
  /** The longest `Retry-After` honoured (a receiver cannot park a delivery for days). */
  maxRetryAfterMs: number;
  userAgent: string;
  /**
   * This worker's identity. A stable one (per data directory) lets a restarted process take back the leases
   * it held before dying at once instead of waiting for them to lapse.
   */
  workerId?: string;
  onDelivery?: (outcome: DeliveryOutcome) => void;
}

export interface WebhookDeliveryDeps {
  db: Kysely<Database>;
  secrets: SecretBox;
  events: EventPublisher;
  guard: UrlGuard;
  logger: Logger;
}

interface Claimed {
  delivery: WebhookDeliveryRow;
  abort: AbortController;
}

/**
 * Sends webhook deliveries from the store, never on a request's path: due pending rows are claimed with a
 * lease (so two replicas never send the same attempt, and a crash mid-send is retried once the lease
 * lapses), POSTed, and the outcome written back — delivered, retried later with backoff, or failed.
 */
export class WebhookDeliveryWorker {
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly loop: PeriodicTask;
  private readonly running = new Map<string, Claimed>();
  private readonly inFlight = new Set<Promise<void>>();
  private recovered = false;
  private stopping = false;
  private nudged: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private rescan = false;
  /** The last scan found more due deliveries than it had slots for: look again as soon as one frees. */
  private backlog = false;

  constructor(
    private readonly deps: WebhookDeliveryDeps,
    private readonly options: WebhookDeliveryOptions,
  ) {
    this.owner = options.workerId ?? `webhooks-${randomUUID()}`;
    // Longer than any attempt can take, so a live sender's lease never lapses under it.
    this.leaseMs = options.timeoutMs * 2 + 10_000;
    this.loop = new PeriodicTask(
      () => this.runDue(),
      options.tickMs,
      (error) => deps.logger.error('webhook delivery tick failed', { error: String(error) }),
    );
  }

  start(): void {
    this.stopping = false;
    this.loop.start();
  }

  /** A delivery may be due now (an event was stored, one was queued again): look soon rather than at the next tick. */
  nudge(): void {
    if (this.stopping || this.nudged) return;
    this.nudged = setTimeout(() => {
      this.nudged = null;
      if (!this.stopping)
        this.runDue().catch((error) => this.deps.logger.error('webhook delivery run failed', { error: String(error) }));
    }, 10);
    this.nudged.unref();
  }

  /**
   * Stop taking deliveries and abandon the attempts in flight: their requests are aborted and their leases
   * given back untouched, so the next start (here or on another replica) sends them again at once.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.nudged) clearTimeout(this.nudged);
    this.nudged = null;
    await this.loop.stop();
    await this.scanning;
    for (const claimed of this.running.values()) claimed.abort.abort();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Claim and start the deliveries due now (tests may call it to drive deliveries without timers). Scans never
   * overlap (a tick and a nudge at once would each fill the free slots); one asked for meanwhile runs next.
   */
  async runDue(): Promise<void> {
    if (this.scanning) {
      this.rescan = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.rescan = false;
        await this.scan();
      } while (this.rescan && !this.stopping);
    })().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async scan(): Promise<void> {
    if (this.stopping) return;
    if (!this.recovered) {
      await this.deps.db
        .updateTable('webhook_deliveries')
        .set({ lease_owner: null, lease_until: null })
        .where('lease_owner', '=', this.owner)
        .execute();
      this.recovered = true;
    }
    const free = this.options.concurrency - this.running.size;
    if (free <= 0) return;
    const nowIso = new Date().toISOString();
    const due = await this.deps.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .selectAll('d')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', nowIso)]))
      // A disabled webhook's deliveries wait; they go out once it is enabled again.
      .where('w.status', '=', 'active')
      .orderBy('d.next_attempt_at')
      .limit(free)
      .execute();
    this.backlog = due.length >= free;
    for (const delivery of due) {
      if (this.stopping || this.running.size >= this.options.concurrency || this.running.has(delivery.id)) continue;
      const leaseUntil = new Date(Date.now() + this.leaseMs).toISOString();
      const claim = await this.deps.db
        .updateTable('webhook_deliveries')
        .set({ lease_owner: this.owner, lease_until: leaseUntil })
        .where('id', '=', delivery.id)
        .where('status', '=', 'pending')
        .where('attempts', '=', delivery.attempts)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
        .executeTakeFirst();
      if (Number(claim.numUpdatedRows) === 0) continue;
      const claimed: Claimed = { delivery, abort: new AbortController() };
      this.running.set(delivery.id, claimed);
      const attempt = this.attempt(claimed)
        .catch((error) =>
          this.deps.logger.error('webhook delivery attempt failed', { deliveryId: delivery.id, error: String(error) }),
        )
        .finally(() => {
          this.running.delete(delivery.id);
          this.inFlight.delete(attempt);
          if (this.backlog) this.nudge();
        });
      this.inFlight.add(attempt);
    }
  }

  private async attempt({ delivery, abort }: Claimed): Promise<void> {
    const { db } = this.deps;
    const webhook = await db.selectFrom('webhooks').selectAll().where('id', '=', delivery.webhook_id).executeTakeFirst();
    if (!webhook) return; // deleted meanwhile: its deliveries went with it
    const eventRow = await db.selectFrom('events').selectAll().where('id', '=', delivery.event_id).executeTakeFirst();
    const started = Date.now();
    let result: PostResult;
    if (!eventRow) {
      // Nothing the receiver did: the delivery ends, but it does not count against the webhook (one re-enabled
      // after the retention would otherwise be disabled again by the backlog it held).
      result = {
        status: null,
        error: 'the event is no longer stored (past the event retention)',
        retryAfterMs: null,
        final: true,
        receiverAtFault: false,
      };
    } else {
      result = await this.send(webhook, JSON.stringify(eventFromRow(eventRow)), delivery.event_id, abort.signal);
    }
    if (abort.signal.aborted && this.stopping) {
      await this.release(delivery.id);
      return;
    }
    const log: WebhookAttempt = {
      at: new Date(started).toISOString(),
      responseCode: result.status,
      error: result.error,
      durationMs: Date.now() - started,
    };
    await this.record(delivery, webhook, result, log);
  }

  private async send(webhook: WebhookRow, body: string, eventId: string, signal: AbortSignal): Promise<PostResult> {
    let lookup: LookupFunction | undefined;
    let url: URL;
    try {
      const checked = await this.deps.guard.check(webhook.url);
      url = checked.url;
      const address = checked.address;
      // Connect only to the address just checked: a second resolution could answer differently.
      if (address) lookup = pinnedLookup(address);
    } catch (error) {
      if (isGuardRefusal(error)) return { status: null, error: `refused: ${error.message}`, retryAfterMs: null, final: false };
      throw error;
    }
    const secrets: string[] = [];
    try {
      secrets.push(this.deps.secrets.open<string>(webhook.secret_enc, secretContext(webhook.id)));
      if (
        webhook.previous_secret_enc &&
        webhook.previous_secret_expires_at &&
        webhook.previous_secret_expires_at > new Date().toISOString()
      )
        secrets.push(this.deps.secrets.open<string>(webhook.previous_secret_enc, secretContext(webhook.id)));
    } catch (error) {
      // Nothing unsigned is ever sent; retrying cannot help until the secret is rotated.
      return {
        status: null,
        error: `the signing secret cannot be opened (${(error as Error).message}); rotate the secret`,
        retryAfterMs: null,
        final: true,
      };
    }
    return postJson(url, body, {
      headers: { 'user-agent': this.options.userAgent, ...signatureHeaders(eventId, body, secrets) },
      timeoutMs: this.options.timeoutMs,
      signal,
      ...(lookup ? { lookup } : {}),
    });
  }

  private async release(deliveryId: string): Promise<void> {
    await this.deps.db
      .updateTable('webhook_deliveries')
      .set({ lease_owner: null, lease_until: null })
      .where('id', '=', deliveryId)
      .where('lease_owner', '=', this.owner)
      .execute();
  }

  /** Write the attempt back: delivered, another try later, or failed for good (which may disable the webhook). */
  private async record(
    delivery: WebhookDeliveryRow,
    webhook: WebhookRow,
    result: PostResult,
    log: WebhookAttempt,
  ): Promise<void> {
    const now = new Date();
    const nowIso = now.toISOString();
    const attempts = Number(delivery.attempts) + 1;
    const base = {
      attempts,
      response_code: result.status,
      attempt_log_json: appendAttempt(delivery.attempt_log_json, log),
      lease_owner: null,
      lease_until: null,
      updated_at: nowIso,
    };

    if (result.status !== null && result.status >= 200 && result.status < 300) {
      await this.deps.db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('webhook_deliveries')
          .set({ ...base, status: 'delivered', last_error: null, next_attempt_at: null, delivered_at: nowIso })
          .where('id', '=', delivery.id)
          .where('lease_owner', '=', this.owner)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return;
        await trx
          .updateTable('webhooks')
          .set({ consecutive_failures: 0, last_delivery_at: nowIso })
          .where('id', '=', webhook.id)
          .execute();
      });
      this.options.onDelivery?.('delivered');
      return;
    }

    const error = result.error ?? `the receiver answered HTTP ${result.status}`;
    const retryNumber = attempts - Number(delivery.retry_from);
    const scheduled = this.options.retryScheduleMs[retryNumber - 1];
    if (!result.final && scheduled !== undefined) {
      let delayMs = withJitter(scheduled);
      if (result.retryAfterMs !== null) delayMs = Math.max(delayMs, Math.min(result.retryAfterMs, this.options.maxRetryAfterMs));
      await this.deps.db
        .updateTable('webhook_deliveries')
        .set({ ...base, last_error: error, next_attempt_at: new Date(now.getTime() + delayMs).toISOString() })
        .where('id', '=', delivery.id)
        .where('lease_owner', '=', this.owner)
        .execute();
      this.options.onDelivery?.('retrying');
      return;
    }

    let disabled = false;
    await this.deps.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('webhook_deliveries')
        .set({ ...base, status: 'failed', last_error: error, next_attempt_at: null })
        .where('id', '=', delivery.id)
        .where('lease_owner', '=', this.owner)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0 || result.receiverAtFault === false) return;
      await trx
        .updateTable('webhooks')
        .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
        .where('id', '=', webhook.id)
        .execute();
      const current = await trx.selectFrom('webhooks').selectAll().where('id', '=', webhook.id).executeTakeFirst();
      if (current?.status !== 'active' || current.consecutive_failures < this.options.disableAfterFailures) return;
      const reason =
        `Disabled after ${current.consecutive_failures} failed ${current.consecutive_failures === 1 ? 'delivery' : 'deliveries'} ` +
        `in a row; the last (${delivery.event_type}, ${attempts} attempts) ended with: ${error}`;
      await trx
        .updateTable('webhooks')
        .set({ status: 'disabled', disabled_reason: reason, disabled_at: nowIso, updated_at: nowIso })
        .where('id', '=', webhook.id)
        .execute();
      // Disabled first, so the fan-out never queues this event to the webhook it is about.
      await this.deps.events.publish(
        {
          type: 'webhook.disabled',
          entityId: webhook.entity_id,
          subject: { kind: 'webhook', id: webhook.id },
          data: {
            url: webhook.url,
            reason,
            consecutiveFailures: current.consecutive_failures,
            lastDeliveryId: delivery.id,
            lastResponseCode: result.status,
          },
        },
        trx,
      );
      disabled = true;
    });
    this.options.onDelivery?.('failed');
    if (disabled) {
      this.options.onDelivery?.('disabled');
      this.deps.logger.warn('webhook disabled after failed deliveries', { webhookId: webhook.id });
    }
  }
}

/** ±10 %, so the retries of many deliveries that failed together do not arrive together. */
function withJitter(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}
