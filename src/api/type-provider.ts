import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyTypeProvider } from 'fastify';

/**
 * Lets Fastify derive handler types (params, query, body, reply) from the same TypeBox schemas that
 * validate requests and serialise responses, so a handler that returns a shape the schema does not
 * describe fails to compile instead of losing fields at run time.
 */
export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}
