import type { Page } from '../../services/types.ts';

/** GPCN's success envelope around one object (or a short list that is not paginated): `meta` is null. */
export function ok<T>(message: string, data: T) {
  return { success: true as const, message, data, meta: null };
}

/** GPCN's success envelope around one page of a list: `meta` carries the paging. */
export function paged<T>(message: string, page: Page<T>) {
  return { success: true as const, message, data: page.items, meta: page.meta };
}
