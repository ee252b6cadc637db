import { createHash } from 'node:crypto';

/** gpufleet's own namespace for name-based (v5) UUIDs. */
const NAMESPACE = '8f3c1a52-6d0e-4b7a-9c1f-2e5d7b9a4c30';

/**
 * A stable UUID (RFC 4122 v5) for a catalog entity, derived from its natural key. Series, datacenters
 * and SKUs get the same id on every replica and every restart without a lookup table.
 */
export function stableUuid(name: string): string {
  const ns = Buffer.from(NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
