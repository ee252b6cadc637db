import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import { EVENT_TYPES } from '../../contract/event-types.ts';
import type { Webhook, WebhookDelivery, WebhookWithSecret } from '../../contract/webhooks.ts';
import type { ApiClient } from '../client.ts';
import { contextFor } from '../context.ts';
import { operationFailed, UsageError } from '../errors.ts';
import { renderFields, renderTable } from '../format/table.ts';
import { dash, formatTime } from '../format/values.ts';
import { pollIntervalMs } from '../jobs.ts';
import { collectList, positiveInt } from '../options.ts';
import { isUuid } from '../resolve.ts';

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

export function registerWebhookCommands(program: Command): void {
  const hooks = program
    .command('webhooks')
    .description('signed HTTP callbacks for events (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature)');

  hooks
    .command('ls')
    .alias('list')
    .description('list webhooks (never their secrets)')
    .addOption(new Option('--status <status>', 'only active or disabled ones').choices(['active', 'disabled']))
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--limit <n>', 'rows per page (at most 100)', positiveInt, 100)
    .action(async (opts: { status?: string; page: number; limit: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.get<Webhook[]>('/v1/webhooks', { status: opts.status, page: opts.page, limit: opts.limit });
      ctx.emit(result, (rows) =>
        rows.length === 0
          ? 'No webhooks.'
          : renderTable(rows, [
              { header: 'ID', value: (w) => w.id },
              { header: 'URL', value: (w) => w.url },
              { header: 'EVENTS', value: (w) => eventsSummary(w.events) },
              { header: 'STATUS', value: (w) => w.status },
              { header: 'FAILURES', value: (w) => String(w.consecutiveFailures) },
              { header: 'LAST DELIVERED', value: (w) => formatTime(w.lastDeliveryAt) },
            ]),
      );
    });

  hooks
    .command('create')
    .description('create a webhook; its signing secret is shown once')
    .argument('<url>', 'http or https URL that receives a POST per event')
    .requiredOption(
      '--events <types>',
      `event types to send (repeatable or comma-separated), or "all": ${EVENT_TYPES.join(', ')}`,
      collectList,
    )
    .option('--description <text>', 'what it is for')
    .action(async (url: string, opts: { events: string[]; description?: string }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.post<WebhookWithSecret>('/v1/webhooks', {
        url,
        events: checkedTypes(opts.events),
        description: opts.description,
      });
      ctx.emit(result, (w) => secretShownOnce(`Created webhook ${w.id} for ${w.url} (${eventsSummary(w.events)}).`, w));
    });

  hooks
    .command('show')
    .alias('get')
    .description("a webhook's settings and state")
    .argument('<id>')
    .action(async (id: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<Webhook>(`/v1/webhooks/${checkedId(id)}`), webhookDetails);
    });

  hooks
    .command('update')
    .description('change a webhook: its endpoint, events or description, or switch it on or off')
    .argument('<id>')
    .option('--endpoint <url>', 'a new receiver URL (--url names the gpufleet server)')
    .option('--events <types>', 'replace the event types (repeatable or comma-separated, or "all")', collectList)
    .option('--description <text>', 'a new description')
    .option('--enable', 'switch it on again (clears its failure count)')
    .option('--disable', 'stop sending to it')
    .action(
      async (
        id: string,
        opts: { endpoint?: string; events?: string[]; description?: string; enable?: boolean; disable?: boolean },
        cmd: Command,
      ) => {
        if (opts.enable && opts.disable) throw new UsageError('webhooks update takes --enable or --disable, not both');
        const patch = {
          url: opts.endpoint,
          events: opts.events ? checkedTypes(opts.events) : undefined,
          description: opts.description,
          status: opts.enable ? 'active' : opts.disable ? 'disabled' : undefined,
        };
        if (Object.values(patch).every((v) => v === undefined))
          throw new UsageError('nothing to change: give --endpoint, --events, --description, --enable or --disable');
        const ctx = contextFor(cmd);
        ctx.emit(await ctx.client.put<Webhook>(`/v1/webhooks/${checkedId(id)}`, patch), (w) => `Updated.\n${webhookDetails(w)}`);
      },
    );

  hooks
    .command('rm')
    .alias('delete')
    .description('delete a webhook (nothing more is sent to it)')
    .argument('<id>')
    .action(async (id: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      await ctx.client.delete(`/v1/webhooks/${checkedId(id)}`);
      ctx.emit({ data: { id, deleted: true }, meta: null }, () => `Deleted webhook ${id}.`);
    });

  hooks
    .command('rotate-secret')
    .description('a new signing secret, shown once; the old one keeps signing for a while so receivers can switch')
    .argument('<id>')
    .action(async (id: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.post<WebhookWithSecret>(`/v1/webhooks/${checkedId(id)}/rotate-secret`);
      ctx.emit(result, (w) => {
        const overlap = w.previousSecretExpiresAt
          ? `; the old secret also signs until ${formatTime(w.previousSecretExpiresAt)}`
          : '';
        return secretShownOnce(`Rotated the secret of ${w.id}${overlap}.`, w);
      });
    });

  hooks
    .command('test')
    .description('send a webhook.test event to this webhook only')
    .argument('<id>')
    .option('--wait', 'wait until the receiver answered (or the delivery failed), and show the outcome')
    .option('--timeout <seconds>', 'how long --wait waits', positiveInt, 60)
    .action(async (id: string, opts: { wait?: boolean; timeout: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const webhookId = checkedId(id);
      let delivery = (await ctx.client.post<WebhookDelivery>(`/v1/webhooks/${webhookId}/test`)).data;
      if (opts.wait) delivery = await waitForFirstAnswer(ctx.client, webhookId, delivery, opts.timeout * 1000);
      ctx.emit({ data: delivery, meta: null }, (d) => deliveryOutcome(d));
      if (opts.wait && delivery.status !== 'delivered' && delivery.attempts > 0)
        throw operationFailed('DELIVERY_FAILED', `the receiver did not accept the test event (${lastAttempt(delivery)})`);
    });

  hooks
    .command('deliveries')
    .description("a webhook's deliveries, newest first, with their attempts")
    .argument('<id>')
    .addOption(new Option('--status <status>', 'only these').choices(['pending', 'delivered', 'failed']))
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--limit <n>', 'rows per page (at most 100)', positiveInt, 20)
    .action(async (id: string, opts: { status?: string; page: number; limit: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.get<WebhookDelivery[]>(`/v1/webhooks/${checkedId(id)}/deliveries`, {
        status: opts.status,
        page: opts.page,
        limit: opts.limit,
      });
      ctx.emit(result, (rows) =>
        rows.length === 0
          ? 'No deliveries.'
          : renderTable(rows, [
              { header: 'ID', value: (d) => d.id },
              { header: 'EVENT', value: (d) => d.eventType },
              { header: 'STATUS', value: (d) => d.status },
              { header: 'ATTEMPTS', value: (d) => String(d.attempts) },
              { header: 'CODE', value: (d) => dash(d.responseCode) },
              { header: 'NEXT ATTEMPT', value: (d) => formatTime(d.nextAttemptAt) },
              { header: 'CREATED', value: (d) => formatTime(d.createdAt) },
            ]),
      );
    });

  hooks
    .command('delivery')
    .description('one delivery with every attempt')
    .argument('<id>', 'the webhook')
    .argument('<delivery>', 'the delivery id')
    .action(async (id: string, deliveryId: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const path = `/v1/webhooks/${checkedId(id)}/deliveries/${checkedId(deliveryId, 'delivery')}`;
      ctx.emit(await ctx.client.get<WebhookDelivery>(path), deliveryDetails);
    });

  hooks
    .command('redeliver')
    .description('send a delivery again now')
    .argument('<id>', 'the webhook')
    .argument('<delivery>', 'the delivery id')
    .action(async (id: string, deliveryId: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const path = `/v1/webhooks/${checkedId(id)}/deliveries/${checkedId(deliveryId, 'delivery')}/retry`;
      ctx.emit(await ctx.client.post<WebhookDelivery>(path), (d) => `Delivery ${d.id} is queued again.`);
    });
}

/** Webhooks have no names, only ids; a typo is caught here rather than as a 404. */
function checkedId(id: string, what = 'webhook'): string {
  if (!isUuid(id)) throw new UsageError(`"${id}" is not a ${what} id (a uuid; see gpufleet webhooks ls)`);
  return id;
}

function checkedTypes(types: string[]): string[] {
  if (types.includes('all')) return [...EVENT_TYPES];
  const unknown = types.filter((t) => !KNOWN_TYPES.has(t));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown event type ${unknown.map((t) => `"${t}"`).join(', ')}; known types are ${EVENT_TYPES.join(', ')}`,
    );
  if (types.length === 0) throw new UsageError('--events needs at least one event type');
  return [...new Set(types)];
}

function eventsSummary(events: readonly string[]): string {
  if (events.length === EVENT_TYPES.length) return 'all events';
  return events.length <= 3 ? events.join(', ') : `${events.slice(0, 3).join(', ')} +${events.length - 3}`;
}

function secretShownOnce(summary: string, webhook: WebhookWithSecret): string {
  return `${summary}\n\n  ${webhook.secret}\n\nThis signing secret is shown only once: give it to the receiver now.`;
}

function webhookDetails(w: Webhook): string {
  return renderFields([
    ['ID', w.id],
    ['URL', w.url],
    ['Description', dash(w.description)],
    ['Events', w.events.join(', ')],
    ['Status', w.disabledReason ? `${w.status}: ${w.disabledReason}` : w.status],
    ...(w.disabledAt ? ([['Disabled at', formatTime(w.disabledAt)]] as [string, string][]) : []),
    ['Secret', `${w.secretPrefix}…`],
    ...(w.previousSecretExpiresAt
      ? ([['Old secret signs until', formatTime(w.previousSecretExpiresAt)]] as [string, string][])
      : []),
    ['Failures in a row', String(w.consecutiveFailures)],
    ['Last delivered', formatTime(w.lastDeliveryAt)],
    ['Created', formatTime(w.createdAt)],
  ]);
}

function lastAttempt(d: WebhookDelivery): string {
  const last = d.attemptLog.at(-1);
  if (!last) return 'no attempt yet';
  return last.responseCode !== null ? `HTTP ${last.responseCode}` : (last.error ?? 'no answer');
}

function deliveryOutcome(d: WebhookDelivery): string {
  if (d.status === 'delivered')
    return `Delivered ${d.eventType} (${d.eventId}) after ${d.attempts} attempt(s): HTTP ${d.responseCode}.`;
  if (d.status === 'failed') return `Delivery ${d.id} failed after ${d.attempts} attempt(s): ${lastAttempt(d)}.`;
  if (d.attempts === 0) return `Queued ${d.eventType} as delivery ${d.id}.`;
  return `Delivery ${d.id} is pending after ${d.attempts} attempt(s) (${lastAttempt(d)}); next at ${formatTime(d.nextAttemptAt)}.`;
}

function deliveryDetails(d: WebhookDelivery): string {
  const fields = renderFields([
    ['ID', d.id],
    ['Event', `${d.eventType} (${d.eventId})`],
    ['Status', d.status],
    ['Attempts', String(d.attempts)],
    ['Next attempt', formatTime(d.nextAttemptAt)],
    ['Delivered', formatTime(d.deliveredAt)],
  ]);
  if (d.attemptLog.length === 0) return fields;
  const attempts = renderTable(d.attemptLog, [
    { header: 'AT', value: (a) => formatTime(a.at) },
    { header: 'CODE', value: (a) => dash(a.responseCode) },
    { header: 'ERROR', value: (a) => dash(a.error) },
    { header: 'MS', value: (a) => String(a.durationMs) },
  ]);
  return `${fields}\n\n${attempts}`;
}

/** Until the first attempt has an outcome: a 2xx, a final failure, or a first refusal worth showing. */
async function waitForFirstAnswer(
  client: ApiClient,
  webhookId: string,
  delivery: WebhookDelivery,
  timeoutMs: number,
): Promise<WebhookDelivery> {
  const deadline = Date.now() + timeoutMs;
  let current = delivery;
  while (current.status === 'pending' && current.attempts === 0) {
    if (Date.now() > deadline)
      throw operationFailed('TIMEOUT', `the test delivery ${current.id} was not attempted within ${timeoutMs / 1000} s`);
    await sleep(Math.min(pollIntervalMs(), 500));
    current = (await client.get<WebhookDelivery>(`/v1/webhooks/${webhookId}/deliveries/${current.id}`)).data;
  }
  return current;
}
