import { EVENT_TYPES } from '../../contract/event-types.ts';
import type { Webhook, WebhookWithSecret } from '../../contract/webhooks.ts';
import { copyButton } from '../components/copy.ts';
import { openDialog } from '../components/dialog.ts';
import { checkbox, field, h } from '../components/dom.ts';
import { announce, errorNotice, notice } from '../components/notice.ts';
import { pagedList } from '../components/paged-list.ts';
import { tag } from '../components/status.ts';
import { dataTable } from '../components/table.ts';
import { ago, dateTime } from '../format.ts';
import type { Page, PageContext } from '../page.ts';

const PAGE_SIZE = 20;

/** Webhooks: list, create (secret shown once), test, switch on or off, rotate the secret, delete. */
export const webhooksPage: Page = (ctx) => {
  ctx.setTitle('Webhooks');
  const messages = h('div', { 'aria-live': 'polite' });
  // Apart from the messages, so a later confirmation does not wipe a secret not copied yet.
  const secretArea = h('div');
  const { element: list, reload } = pagedList<Webhook>(ctx, {
    path: '/v1/webhooks',
    sort: 'createdAt:desc',
    pageSize: PAGE_SIZE,
    noun: ['webhook', 'webhooks'],
    what: 'the webhooks',
    empty: 'No webhooks yet. Create one below to have events sent, signed, to your own endpoint.',
    render: (rows) =>
      dataTable(
        [
          {
            header: 'Endpoint',
            cell: (w: Webhook) => [
              h('a', { href: `/webhooks/${w.id}`, class: 'mono' }, w.url),
              w.description ? h('div', { class: 'hint' }, w.description) : null,
            ],
          },
          { header: 'Events', cell: (w: Webhook) => eventsSummary(w.events) },
          { header: 'Status', cell: (w: Webhook) => statusTag(w) },
          { header: 'Last delivered', cell: (w: Webhook) => (w.lastDeliveryAt ? ago(w.lastDeliveryAt) : 'never') },
          {
            header: 'Actions',
            cell: (w: Webhook) =>
              h(
                'div',
                { class: 'row-actions' },
                h('button', { type: 'button', class: 'small', onclick: () => void sendTest(w) }, 'Send test'),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'small',
                    onclick: () => void setStatus(w, w.status === 'active' ? 'disabled' : 'active'),
                  },
                  w.status === 'active' ? 'Disable' : 'Enable',
                ),
                h('button', { type: 'button', class: 'small', onclick: () => confirmRotate(w) }, 'Rotate secret'),
                h('button', { type: 'button', class: 'small danger', onclick: () => confirmDelete(w) }, 'Delete'),
              ),
          },
        ],
        rows,
        { caption: 'Webhooks' },
      ),
  });

  const sendTest = async (w: Webhook) => {
    try {
      const { data } = await ctx.api.post<{ id: string }>(`/v1/webhooks/${w.id}/test`);
      messages.replaceChildren(
        notice(
          'success',
          'A webhook.test event is on its way. ',
          h('a', { href: `/webhooks/${w.id}#delivery-${data.id}` }, 'Follow the delivery'),
        ),
      );
    } catch (err) {
      messages.replaceChildren(errorNotice(err, { title: 'Could not send a test event' }));
    }
  };

  const setStatus = async (w: Webhook, status: 'active' | 'disabled') => {
    try {
      await ctx.api.put(`/v1/webhooks/${w.id}`, { status });
      messages.replaceChildren(notice('success', `${w.url} is ${status === 'active' ? 'enabled' : 'disabled'}.`));
      await reload();
    } catch (err) {
      messages.replaceChildren(
        errorNotice(err, { title: `Could not ${status === 'active' ? 'enable' : 'disable'} the webhook` }),
      );
    }
  };

  const confirmRotate = (w: Webhook) =>
    openDialog({
      title: 'Rotate the signing secret?',
      content: h(
        'p',
        null,
        'A new secret is made and shown once. The old one keeps signing for a while, so the receiver can switch without losing events.',
      ),
      submitLabel: 'Rotate secret',
      async onSubmit() {
        const { data } = await ctx.api.post<WebhookWithSecret>(`/v1/webhooks/${w.id}/rotate-secret`);
        secretArea.replaceChildren(secretPanel(data, 'New signing secret'));
        await reload();
      },
    });

  const confirmDelete = (w: Webhook) =>
    openDialog({
      title: `Delete the webhook for ${w.url}?`,
      danger: true,
      content: h('p', null, 'Nothing more is sent to it, and its delivery log goes with it.'),
      submitLabel: 'Delete webhook',
      async onSubmit() {
        await ctx.api.delete(`/v1/webhooks/${w.id}`);
        messages.replaceChildren(notice('success', `Deleted the webhook for ${w.url}.`));
        announce('Deleted the webhook');
        await reload();
      },
    });

  ctx.root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Webhooks')),
    h(
      'p',
      { class: 'hint' },
      'Each event is POSTed as JSON and signed with the Standard Webhooks scheme (webhook-id, webhook-timestamp, ' +
        'webhook-signature), so any Standard Webhooks library verifies it. Failed deliveries are retried for more than a day.',
    ),
    secretArea,
    messages,
    list,
    createForm(ctx, secretArea, reload),
  );
  void reload();
};

function createForm(ctx: PageContext, secretArea: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const url = h('input', {
    type: 'url',
    required: true,
    maxlength: 2048,
    placeholder: 'https://example.com/gpufleet',
    autocomplete: 'off',
  });
  const description = h('input', { type: 'text', maxlength: 500, autocomplete: 'off' });
  const picker = eventPicker();
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create webhook');
  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Create a webhook' },
    h('h2', null, 'Create a webhook'),
    field('Endpoint URL', url, 'http or https; it receives one POST per event.'),
    field('Description (optional)', description),
    picker.element,
    status,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const events = picker.selected();
    if (events.length === 0) {
      status.replaceChildren(notice('warning', 'Pick at least one event type.'));
      return;
    }
    submit.disabled = true;
    try {
      const { data } = await ctx.api.post<WebhookWithSecret>('/v1/webhooks', {
        url: url.value.trim(),
        events,
        ...(description.value.trim() ? { description: description.value.trim() } : {}),
      });
      form.reset();
      picker.reset();
      secretArea.replaceChildren(secretPanel(data, 'Signing secret'));
      secretArea.scrollIntoView({ block: 'start' });
      await reload();
    } catch (err) {
      status.replaceChildren(errorNotice(err, { title: 'Could not create the webhook' }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** Every event type as a checkbox, with "all" on top; the VM status ones are picked to begin with. */
function eventPicker(): { element: HTMLElement; selected: () => string[]; reset: () => void } {
  const initial = new Set(['vm.status_changed', 'vm.preempted']);
  const all = checkbox('All events');
  const boxes = EVENT_TYPES.map((type) => ({ type, box: checkbox(type, { value: type }) }));
  const reset = () => {
    all.input.checked = false;
    for (const { type, box } of boxes) {
      box.input.checked = initial.has(type);
      box.input.disabled = false;
    }
  };
  all.input.addEventListener('change', () => {
    for (const { box } of boxes) {
      box.input.checked = all.input.checked || box.input.checked;
      box.input.disabled = all.input.checked;
    }
  });
  reset();
  const element = h(
    'fieldset',
    { class: 'event-picker' },
    h('legend', null, 'Events to send'),
    all.row,
    h(
      'div',
      { class: 'checkbox-grid' },
      boxes.map(({ box }) => box.row),
    ),
  );
  return {
    element,
    selected: () => (all.input.checked ? [...EVENT_TYPES] : boxes.filter(({ box }) => box.input.checked).map(({ type }) => type)),
    reset,
  };
}

export function statusTag(w: Webhook): HTMLElement {
  if (w.status === 'active')
    return w.consecutiveFailures > 0 ? tag(`Active, ${w.consecutiveFailures} failed`, 'warn') : tag('Active', 'good');
  const badge = tag('Disabled', 'warn');
  if (w.disabledReason) badge.title = w.disabledReason;
  return badge;
}

export function eventsSummary(events: readonly string[]): string {
  if (events.length === EVENT_TYPES.length) return 'All events';
  return events.length <= 3 ? events.join(', ') : `${events.slice(0, 3).join(', ')} and ${events.length - 3} more`;
}

/** The only time the secret is shown: with a copy button and a word on keeping it. */
function secretPanel(w: WebhookWithSecret, title: string): HTMLElement {
  const panel = h(
    'section',
    { class: 'card secret', 'aria-label': title },
    h('h2', null, `${title} for ${w.url}`),
    notice(
      'warning',
      h('strong', null, 'Copy this secret now. '),
      'It is shown only this once; the receiver verifies signatures with it.',
    ),
    h('pre', { class: 'mono key-text', tabindex: '0', 'aria-label': 'Signing secret' }, w.secret),
    h(
      'div',
      { class: 'actions' },
      copyButton(w.secret, 'Copy secret'),
      h('button', { type: 'button', onclick: () => panel.remove() }, 'I have saved it'),
    ),
    w.previousSecretExpiresAt
      ? h('p', { class: 'hint' }, `The old secret also signs until ${dateTime(w.previousSecretExpiresAt)}.`)
      : null,
  );
  return panel;
}
