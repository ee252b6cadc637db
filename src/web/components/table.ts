import { type Child, h } from './dom.ts';

export interface Column<T> {
  header: string;
  cell(row: T): Child;
  /** e.g. `num` to right-align amounts. */
  class?: string;
}

/** A table in a scrolling wrapper, so wide tables stay usable on narrow screens. */
export function dataTable<T>(columns: Column<T>[], rows: T[], options: { caption?: string; rowClass?: (row: T) => string } = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      options.caption ? h('caption', { class: 'sr-only' }, options.caption) : null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          columns.map((c) => h('th', { scope: 'col', class: c.class }, c.header)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((row) =>
          h(
            'tr',
            { class: options.rowClass?.(row) },
            columns.map((c) => h('td', { class: c.class }, c.cell(row))),
          ),
        ),
      ),
    ),
  );
}

/** A definition list for a record's fields. */
export function details(entries: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'details' },
    entries.map(([term, value]) => [h('dt', null, term), h('dd', null, value ?? '—')]),
  );
}
