import type { PageMeta } from '../../contract/common.ts';
import { h } from './dom.ts';

/** Previous/next driven by the API's `meta`: the server knows the totals, the page only follows them. */
export function pagination(meta: PageMeta, noun: [string, string], onPage: (page: number) => void): HTMLElement {
  const totalPages = Math.max(meta.totalPages, 1);
  return h(
    'nav',
    { class: 'pagination', 'aria-label': 'Pagination' },
    h('button', { type: 'button', disabled: !meta.hasPreviousPage, onclick: () => onPage(meta.page - 1) }, '← Previous'),
    h('span', null, `Page ${meta.page} of ${totalPages} · ${meta.total} ${meta.total === 1 ? noun[0] : noun[1]}`),
    h('button', { type: 'button', disabled: !meta.hasNextPage, onclick: () => onPage(meta.page + 1) }, 'Next →'),
  );
}
