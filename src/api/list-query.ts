import { LIST_DEFAULTS } from '../contract/common.ts';
import { badRequest } from '../services/errors.ts';
import type { ListQuery } from '../services/types.ts';

/** Turn GPCN's `page/limit/sort/search` query into the services' `ListQuery`, refusing unknown sort fields by name. */
export function toListQuery(
  query: { page?: number | undefined; limit?: number | undefined; sort?: string | undefined; search?: string | undefined },
  sortable: readonly string[],
): ListQuery {
  const sort: ListQuery['sort'] = [];
  for (const part of (query.sort ?? LIST_DEFAULTS.sort).split(',')) {
    const [rawField = '', rawDirection = 'asc', ...rest] = part.trim().split(':');
    const field = rawField.trim();
    const direction = rawDirection.trim().toLowerCase();
    if (!field || rest.length > 0) throw invalidSort(`"${part}" is not of the form field:asc or field:desc`);
    if (!sortable.includes(field)) throw invalidSort(`cannot sort by "${field}"; sortable fields are ${sortable.join(', ')}`);
    if (direction !== 'asc' && direction !== 'desc') throw invalidSort(`the direction of "${field}" must be asc or desc`);
    if (sort.some((s) => s.field === field)) throw invalidSort(`"${field}" appears twice`);
    sort.push({ field, direction });
  }
  const search = query.search?.trim();
  return {
    page: query.page ?? LIST_DEFAULTS.page,
    limit: query.limit ?? LIST_DEFAULTS.limit,
    sort,
    ...(search ? { search } : {}),
  };
}

function invalidSort(reason: string) {
  return badRequest('VALIDATION_ERROR', `query.sort: ${reason}`, { field: 'query.sort' });
}
