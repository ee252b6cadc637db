/**
 * Turn a successful answer into a wrong shape, the way a changed API would: the first string field of the
 * (first) object becomes a number, a list becomes an object, a bare id becomes an object without one.
 */
export function malformBody(payload: string): string {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return '{"id":null}';
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return JSON.stringify({ unexpected: 'an object where a list belongs' });
    value[0] = malformObject(value[0]);
    return JSON.stringify(value);
  }
  if (value && typeof value === 'object') return JSON.stringify(malformObject(value));
  if (typeof value === 'string') return '{"id":null}';
  return JSON.stringify('maybe');
}

function malformObject(value: unknown): unknown {
  if (!value || typeof value !== 'object') return { unexpected: true };
  const record = { ...(value as Record<string, unknown>) };
  const key = Object.keys(record).find((k) => typeof record[k] === 'string') ?? Object.keys(record)[0];
  if (key !== undefined) record[key] = typeof record[key] === 'string' ? 404 : 'unexpected';
  return record;
}
