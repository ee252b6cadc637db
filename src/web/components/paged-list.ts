import type { PageMeta } from '../../contract/common.ts';
import type { Query } from '../api.ts';
import type { PageContext } from '../page.ts';
import { type Child, h, replace } from './dom.ts';
import { emptyState, errorNotice, loading } from './notice.ts';
import { pagination } from './pagination.ts';

/**
 * A library list (SSH keys, startup scripts, volumes): one API page at a time, a retry on failure, an empty
 * state, and paging links once there is more than one page. `reload` shows the current page again.
 */
export function pagedList<T>(
  ctx: PageContext,
  options: {
    path: string;
    sort: string;
    pageSize: number;
    /** Singular and plural, e.g. `['key', 'keys']`. */
    noun: [string, string];
    /** What failed to load, e.g. "the SSH keys". */
    what: string;
    empty: string;
    render: (rows: T[]) => Child;
    /** Filters sent with every page, read afresh on each load. */
    query?: () => Query;
  },
): { element: HTMLElement; reload: () => Promise<void> } {
  let page = 1;
  const element = h('div', null, loading(`Loading ${options.noun[1]}…`));
  const reload = async (): Promise<void> => {
    try {
      const result = await ctx.api.get<T[]>(
        options.path,
        { ...options.query?.(), page, limit: options.pageSize, sort: options.sort },
        ctx.signal,
      );
      if (!ctx.signal.aborted) show(result.data ?? [], result.meta);
    } catch (err) {
      if (!ctx.signal.aborted)
        replace(element, errorNotice(err, { title: `Could not load ${options.what}`, retry: () => void reload() }));
    }
  };
  const show = (rows: T[], meta: PageMeta | null) => {
    if (rows.length === 0) {
      replace(element, emptyState(options.empty));
      return;
    }
    replace(
      element,
      options.render(rows),
      meta && meta.totalPages > 1
        ? pagination(meta, options.noun, (p) => {
            page = p;
            void reload();
          })
        : null,
    );
  };
  return { element, reload };
}
