import type { Webhook, WebhookDelivery } from '../../contract/webhooks.ts';
import { h, replace } from '../components/dom.ts';
import { liveRefresh } from '../components/live-events.ts';
import { errorNotice, loading, notice } from '../components/notice.ts';
import { pagination } from '../components/pagination.ts';
import { tag } from '../components/status.ts';
import { dataTable, details } from '../components/table.ts';
import { dateTime } from '../format.ts';
import type { Page } from '../page.ts';
import { eventsSummary, statusTag } from './webhooks.ts';

const PAGE_SIZE = 20;
/** Deliveries announce no event of their own: their log is read again on this rhythm. */
const POLL_MS = 3_000;

/** One webhook: its settings and its deliveries, each with every attempt and a way to send it again. */
export const webhookDetailPage: Page = (ctx) => {
  const id = ctx.params.id ?? '';
  ctx.setTitle('Webhook');
  const messages = h('div', { 'aria-live': 'polite' });
  const summary = h('div', null, loading('Loading the webhook…'));
  const deliveries = h('div', null, loading('Loading deliveries…'));
  let page = 1;
  // The table is drawn again on every refresh: attempt logs the user opened stay open.
  const opened = new Set<string>();

  const load = async () => {
    try {
      const [hook, list] = await Promise.all([
        ctx.api.get<Webhook>(`/v1/webhooks/${id}`, undefined, ctx.signal),
        ctx.api.get<WebhookDelivery[]>(`/v1/webhooks/${id}/deliveries`, { page, limit: PAGE_SIZE }, ctx.signal),
      ]);
      if (ctx.signal.aborted) return;
      ctx.setTitle(`Webhook ${hook.data.url}`);
      replace(summary, summaryCard(hook.data));
      replace(
        deliveries,
        list.data.length === 0
          ? h(
              'p',
              { class: 'empty' },
              'No deliveries yet. Use “Send test” on the webhooks page, or wait for an event it subscribes to.',
            )
          : deliveryTable(list.data),
        list.meta && list.meta.totalPages > 1
          ? pagination(list.meta, ['delivery', 'deliveries'], (p) => {
              page = p;
              poller.now();
            })
          : null,
      );
    } catch (err) {
      if (!ctx.signal.aborted)
        replace(summary, errorNotice(err, { title: 'Could not load the webhook', retry: () => poller.now() }));
    }
  };

  const redeliver = async (d: WebhookDelivery) => {
    try {
      await ctx.api.post(`/v1/webhooks/${id}/deliveries/${d.id}/retry`);
      messages.replaceChildren(notice('success', `Delivery of ${d.eventType} queued again.`));
      poller.now();
    } catch (err) {
      messages.replaceChildren(errorNotice(err, { title: 'Could not send the delivery again' }));
    }
  };

  const deliveryTable = (rows: WebhookDelivery[]) =>
    dataTable(
      [
        {
          header: 'Event',
          cell: (d: WebhookDelivery) => [h('strong', null, d.eventType), h('div', { class: 'hint mono' }, d.eventId)],
        },
        { header: 'Status', cell: (d: WebhookDelivery) => deliveryTag(d) },
        { header: 'Attempts', cell: (d: WebhookDelivery) => attemptLog(d, opened) },
        { header: 'Next attempt', cell: (d: WebhookDelivery) => (d.nextAttemptAt ? dateTime(d.nextAttemptAt) : '—') },
        { header: 'Created', cell: (d: WebhookDelivery) => dateTime(d.createdAt) },
        {
          header: 'Actions',
          cell: (d: WebhookDelivery) =>
            h('button', { type: 'button', class: 'small', onclick: () => void redeliver(d) }, 'Send again'),
        },
      ],
      rows,
      { caption: 'Deliveries, newest first', rowClass: (d) => `delivery-${d.status}` },
    );

  ctx.root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Webhook'), h('a', { href: '/webhooks' }, 'All webhooks')),
    messages,
    summary,
    h('section', { class: 'card', 'aria-label': 'Deliveries' }, h('h2', null, 'Deliveries'), deliveries),
  );
  const poller = liveRefresh(ctx.live, {
    refresh: load,
    concerns: (event) => event.subject.kind === 'webhook' && event.subject.id === id,
    pollMs: POLL_MS,
    liveMs: POLL_MS,
    signal: ctx.signal,
  });
};

function summaryCard(w: Webhook): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-label': 'Settings' },
    details([
      ['Endpoint', h('code', { class: 'mono' }, w.url)],
      ['Description', w.description || '—'],
      ['Events', eventsSummary(w.events)],
      ['Status', [statusTag(w), w.disabledReason ? h('div', { class: 'hint' }, w.disabledReason) : null]],
      ['Secret', h('code', { class: 'mono' }, `${w.secretPrefix}…`)],
      ['Old secret signs until', w.previousSecretExpiresAt ? dateTime(w.previousSecretExpiresAt) : '—'],
      ['Failures in a row', String(w.consecutiveFailures)],
      ['Last delivered', w.lastDeliveryAt ? dateTime(w.lastDeliveryAt) : 'never'],
      ['Created', dateTime(w.createdAt)],
    ]),
  );
}

function deliveryTag(d: WebhookDelivery): HTMLElement {
  if (d.status === 'delivered') return tag(`Delivered${d.responseCode ? ` · ${d.responseCode}` : ''}`, 'good');
  if (d.status === 'failed') return tag('Failed', 'warn');
  return tag(d.attempts === 0 ? 'Queued' : 'Retrying', 'warn');
}

/** The count, and every attempt (time, answer, duration) folded beneath it. */
function attemptLog(d: WebhookDelivery, opened: Set<string>): HTMLElement {
  if (d.attemptLog.length === 0) return h('span', null, String(d.attempts));
  const log = h(
    'details',
    { class: 'attempt-log', id: `delivery-${d.id}`, ...(opened.has(d.id) ? { open: true } : {}) },
    h('summary', null, `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`),
    h(
      'ol',
      null,
      d.attemptLog.map((a) =>
        h(
          'li',
          null,
          `${dateTime(a.at)}: `,
          a.responseCode !== null ? `HTTP ${a.responseCode}` : (a.error ?? 'no answer'),
          ` (${a.durationMs} ms)`,
        ),
      ),
    ),
  );
  log.addEventListener('toggle', () => {
    if (log.open) opened.add(d.id);
    else opened.delete(d.id);
  });
  return log;
}
