/**
 * Corrupt a successful GraphQL answer the way a changed API would: the first non-null scalar field in
 * `data` (depth first, e.g. `myself.id` or `gpuTypes[0].id`) comes back with the wrong type. When there is
 * no scalar at all (an empty pod list), the first list becomes a string.
 */
export function malformData(data: unknown): unknown {
  const copy = structuredClone(data);
  if (corruptFirstScalar(copy)) return copy;
  corruptFirstList(copy);
  return copy;
}

function wrongType(value: string | number | boolean): unknown {
  if (typeof value === 'string') return 40_404;
  if (typeof value === 'number') return `${value} (corrupted)`;
  return 'maybe';
}

function corruptFirstScalar(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [key, value] of entries) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      (node as Record<string | number, unknown>)[key] = wrongType(value);
      return true;
    }
    if (corruptFirstScalar(value)) return true;
  }
  return false;
}

function corruptFirstList(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      (node as Record<string, unknown>)[key] = 'unavailable';
      return true;
    }
    if (corruptFirstList(value)) return true;
  }
  return false;
}
