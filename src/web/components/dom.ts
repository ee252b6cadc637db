/** What `h()` accepts as children: nested arrays are flattened, falsy values skipped (handy for conditionals). */
export type Child = Node | string | number | null | undefined | false | Child[];

type AttrValue = string | number | boolean | null | undefined;
type Handler = (event: Event) => void;
export type Attrs = Record<string, AttrValue | Handler>;

/**
 * Creates an element. `onclick`-style keys add listeners; `value` is set as a property (after the
 * children, so a `<select>` already has its options); booleans such as `checked` toggle the attribute,
 * which also makes them the state a form reset returns to.
 * Text always goes in as text nodes, never as HTML, so API data cannot inject markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  append(el, children);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value') {
      if (value !== undefined && value !== null) (el as unknown as Record<string, unknown>)[name] = value;
    } else if (value === true) {
      el.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else
      parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let idCounter = 0;
/** Unique ids to tie labels to inputs. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form control. The label's `for` points at the control, so screen readers and clicks both work. */
export function field(label: string, control: HTMLElement, hint?: Child): HTMLDivElement {
  if (!control.id) control.id = uid('f');
  const hintEl = hint ? h('div', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export function checkbox(label: string, attrs: Attrs = {}): { row: HTMLLabelElement; input: HTMLInputElement } {
  const input = h('input', { type: 'checkbox', ...attrs });
  return { row: h('label', { class: 'check' }, input, ' ', label), input };
}

export function option(value: string, label: string, selected = false, disabled = false): HTMLOptionElement {
  return h('option', { value, selected, disabled }, label);
}

/** A `<select>` from value/label pairs. */
export function select(options: { value: string; label: string; disabled?: boolean }[], selected?: string, attrs: Attrs = {}) {
  return h(
    'select',
    attrs,
    options.map((o) => option(o.value, o.label, o.value === selected, o.disabled === true)),
  );
}

export function mono(text: string | null | undefined): HTMLElement {
  return text ? h('code', { class: 'mono' }, text) : h('span', { class: 'muted' }, '—');
}

/** Runs `fn` at most once per `ms` after the last call: for search boxes that query as you type. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
