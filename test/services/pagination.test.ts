import { describe, expect, it } from 'vitest';
import { pageMeta, parseSortParam } from '../../src/services/pagination.ts';
import { caught } from './support/rows.ts';

describe('pageMeta', () => {
  it('follows GPCN meta', () => {
    expect(pageMeta(0, 1, 10)).toEqual({
      total: 0,
      page: 1,
      pageSize: 10,
      totalPages: 0,
      hasNextPage: false,
      hasPreviousPage: false,
    });
    expect(pageMeta(21, 2, 10)).toEqual({
      total: 21,
      page: 2,
      pageSize: 10,
      totalPages: 3,
      hasNextPage: true,
      hasPreviousPage: true,
    });
    expect(pageMeta(20, 2, 10)).toMatchObject({ totalPages: 2, hasNextPage: false, hasPreviousPage: true });
  });
});

describe('parseSortParam', () => {
  const fields = ['name', 'createdAt'];
  it('reads field:direction pairs', () => {
    expect(parseSortParam(undefined, fields)).toEqual([]);
    expect(parseSortParam(' ', fields)).toEqual([]);
    expect(parseSortParam('name', fields)).toEqual([{ field: 'name', direction: 'asc' }]);
    expect(parseSortParam('createdAt:desc, name:asc', fields)).toEqual([
      { field: 'createdAt', direction: 'desc' },
      { field: 'name', direction: 'asc' },
    ]);
  });

  it('refuses unknown fields and directions', async () => {
    for (const bad of ['secret:asc', 'name:up', 'name:asc:x', 'name,']) {
      expect(await caught(async () => parseSortParam(bad, fields))).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    }
  });
});
