import { ApiError } from '../api.ts';
import { type Child, h } from './dom.ts';

export interface ErrorInfo {
  message: string;
  code: string;
  status: number;
}

export function describeError(err: unknown): ErrorInfo {
  if (err instanceof ApiError) return { message: err.message, code: err.code, status: err.status };
  if (err instanceof Error) return { message: err.message, code: 'CLIENT_ERROR', status: 0 };
  return { message: String(err), code: 'CLIENT_ERROR', status: 0 };
}

export function loading(text = 'Loading…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/**
 * The API names request fields (`body.idleMinutes`, `idleMinutes: …`); a form says them in its own words.
 * `labels` maps each field to the label the person saw next to it.
 */
export function inFormWords(message: string, labels: Readonly<Record<string, string>>): string {
  const say = (whole: string, name: string) => (labels[name] ? `“${labels[name]}”` : whole);
  return message.replace(/\bbody[./]([a-zA-Z]+)\b/g, say).replace(/^([a-zA-Z]+)(?=:)/, say);
}

/** An API error with its message and its machine code, as the API reported them. */
export function errorNotice(
  err: unknown,
  options: { title?: string; retry?: () => void; labels?: Readonly<Record<string, string>> } = {},
): HTMLElement {
  const described = describeError(err);
  const info = options.labels ? { ...described, message: inFormWords(described.message, options.labels) } : described;
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h(
      'div',
      null,
      options.title ? h('strong', null, `${options.title}: `) : null,
      h('span', { class: 'error-message' }, info.message),
    ),
    h(
      'div',
      { class: 'error-code' },
      h('code', null, info.code),
      info.status > 0 ? ` · HTTP ${info.status}` : null,
      options.retry ? h('button', { type: 'button', class: 'link', onclick: options.retry }, 'Try again') : null,
    ),
  );
}

export function emptyState(text: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'empty' }, h('p', null, text), actions.length ? h('p', null, actions) : null);
}

export type NoticeKind = 'success' | 'warning' | 'info';

export function notice(kind: NoticeKind, ...content: Child[]): HTMLElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'warning' ? 'alert' : 'status' }, content);
}

/** Screen readers hear short confirmations ("Copied", "Key deleted") through one polite live region. */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after clearing makes the same message announced again.
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}
