import { corruptingJson } from '../../kit/sim/fault-hooks.ts';

/** Fields whose corruption the adapter must notice first, most telling first. */
const PREFERRED = ['state', 'id', 'access_token', 'name'];

function wrongTypeFor(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not-a-number';
  if (typeof value === 'boolean') return 'yes';
  return 12345;
}

function corruptObject(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { unexpected: value };
  const record = value as Record<string, unknown>;
  const field = PREFERRED.find((k) => k in record) ?? Object.keys(record)[0];
  if (field === undefined) return { id: 12345 };
  return { ...record, [field]: wrongTypeFor(record[field]) };
}

/**
 * A successful body with a wrong shape, as `malformNext` asks: one required field of the (first) object
 * gets a value of the wrong type. An empty list gets an item that is all wrong.
 */
export function corrupt(payload: unknown): unknown {
  if (Array.isArray(payload)) {
    if (payload.length === 0) return [{ id: 12345 }];
    return [corruptObject(payload[0]), ...payload.slice(1)];
  }
  return corruptObject(payload);
}

/** `corrupt` on the serialized body, for the kit's malformed-reply hook. */
export const corruptAtlasBody = corruptingJson(corrupt);
