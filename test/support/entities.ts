import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../src/services/api-keys/keys.ts';
import type { Database } from '../../src/store/schema.ts';

/** An admin API key of another entity, as a second organisation's caller would hold (entities have no routes yet). */
export async function keyOfAnotherEntity(db: Kysely<Database>, entityId = randomUUID()): Promise<string> {
  const key = generateApiKey();
  await db
    .insertInto('api_keys')
    .values({
      id: randomUUID(),
      name: 'other entity',
      key_hash: hashApiKey(key),
      key_prefix: apiKeyPrefix(key),
      role: 'admin',
      entity_id: entityId,
      created_at: new Date().toISOString(),
      expires_at: null,
      suspended_at: null,
      revoked_at: null,
      last_used_at: null,
    })
    .execute();
  return key;
}
