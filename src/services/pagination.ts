import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { PageMeta } from '../contract/common.ts';
import { badRequest } from './errors.ts';
import type { ListQuery, Page } from './types.ts';

/** GPCN's bounds for `limit`. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 10;
export const DEFAULT_SORT: ListQuery['sort'] = [{ field: 'createdAt', direction: 'desc' }];

export interface PageSpec<Row, Item> {
  /**
   * The whitelist of sortable API fields, each mapped to the SQL it orders by: a column (`created_at`),
   * a qualified column (`vms.created_at`) or an alias selected by the query. A field outside it is a 400.
   */
  sortable: Readonly<Record<string, string>>;
  /** Columns `search` matches, case-insensitively, as a substring of any of them. Without it `search` is ignored. */
  searchColumns?: readonly string[];
  /** Used when the query asks for no order. Defaults to GPCN's `createdAt:desc`. */
  defaultSort?: ListQuery['sort'];
  /** A unique column appended to every order, so rows with equal sort keys never move between pages. */
  tiebreaker: string;
  /** Row to API item. */
  map: (row: Row) => Item;
}

/**
 * Run a list query one page at a time and answer GPCN's `{items, meta}`.
 *
 * Give it the query with its filters and selection but without order, limit or offset; it adds the search
 * filter, counts the matching rows (same query, selection replaced by `count(*)`, so the query must not be
 * grouped) and fetches the requested page ordered by the requested fields, nulls last in either direction
 * so SQLite and PostgreSQL agree.
 *
 * ```ts
 * const base = db.selectFrom('ssh_keys').selectAll().where('deleted_at', 'is', null);
 * return paginate(base, query, { sortable: { name: 'name', createdAt: 'created_at' }, searchColumns: ['name'],
 *   tiebreaker: 'id', map: toSshKey });
 * ```
 */
export async function paginate<DB, TB extends keyof DB, Row, Item>(
  query: SelectQueryBuilder<DB, TB, Row>,
  list: ListQuery,
  spec: PageSpec<Row, Item>,
): Promise<Page<Item>> {
  checkPaging(list);
  let filtered = query;
  const search = list.search?.trim();
  if (search && spec.searchColumns && spec.searchColumns.length > 0)
    filtered = filtered.where(searchFilter(spec.searchColumns, search));

  const countRow = await filtered
    .clearSelect()
    .clearOrderBy()
    .select(sql<number | string | bigint>`count(*)`.as('total'))
    .executeTakeFirst();
  const total = Number((countRow as { total?: number | string | bigint } | undefined)?.total ?? 0);

  let ordered = filtered;
  const sort = list.sort.length > 0 ? list.sort : (spec.defaultSort ?? DEFAULT_SORT);
  for (const { field, direction } of sort) {
    const column = spec.sortable[field];
    if (column === undefined) {
      throw badRequest('VALIDATION_ERROR', `cannot sort by ${field}; sortable fields: ${Object.keys(spec.sortable).join(', ')}`);
    }
    ordered = ordered.orderBy(sql.ref(column), (ob) => (direction === 'desc' ? ob.desc() : ob.asc()).nullsLast());
  }
  ordered = ordered.orderBy(sql.ref(spec.tiebreaker), 'asc');

  const rows = await ordered
    .limit(list.limit)
    .offset((list.page - 1) * list.limit)
    .execute();
  return { items: rows.map(spec.map), meta: pageMeta(total, list.page, list.limit) };
}

/** GPCN's list meta for `total` items seen `pageSize` at a time (also for lists built in memory). */
export function pageMeta(total: number, page: number, pageSize: number): PageMeta {
  const totalPages = Math.ceil(total / pageSize);
  return { total, page, pageSize, totalPages, hasNextPage: page < totalPages, hasPreviousPage: page > 1 };
}

/**
 * Parse GPCN's `sort` parameter (`field:asc|desc`, comma-separated; direction defaults to `asc`) against
 * the endpoint's sortable fields. Throws 400 `VALIDATION_ERROR` naming the bad part.
 */
export function parseSortParam(value: string | undefined, sortableFields: readonly string[]): ListQuery['sort'] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const [field = '', direction = 'asc', extra] = part.trim().split(':');
    if (extra !== undefined || (direction !== 'asc' && direction !== 'desc')) {
      throw badRequest('VALIDATION_ERROR', `sort must be field:asc or field:desc, got "${part.trim()}"`);
    }
    if (!sortableFields.includes(field)) {
      throw badRequest('VALIDATION_ERROR', `cannot sort by ${field}; sortable fields: ${sortableFields.join(', ')}`);
    }
    return { field, direction };
  });
}

function checkPaging(list: ListQuery): void {
  if (!Number.isInteger(list.page) || list.page < 1)
    throw badRequest('VALIDATION_ERROR', 'page must be an integer of at least 1');
  if (!Number.isInteger(list.limit) || list.limit < 1 || list.limit > MAX_PAGE_SIZE) {
    throw badRequest('VALIDATION_ERROR', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
}

/** Case-insensitive substring match on any of the columns; `%`, `_` and `\` in the text match themselves. */
function searchFilter(columns: readonly string[], text: string) {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const matches = columns.map((column) => sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`);
  return sql<SqlBool>`(${sql.join(matches, sql` or `)})`;
}
