import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type BuildSerializer = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']
>;
type Serializer = (doc: unknown) => string;

const selector = SerializerSelector();
const compiled = new Map<string, Serializer>();

/**
 * Fastify's own fast-json-stringify compiler, with one serializer per distinct schema: every route
 * documents the same error responses, and building an identical serializer ~60 times made start-up slow.
 */
export const buildSerializer: BuildSerializer = (externalSchemas, options) => {
  const compile = selector(externalSchemas, options);
  const context = JSON.stringify([externalSchemas, options ?? null]);
  return (route) => {
    const key = `${context}\u0000${JSON.stringify(route.schema)}`;
    let serializer = compiled.get(key);
    if (!serializer) {
      serializer = compile(route);
      compiled.set(key, serializer);
    }
    return serializer;
  };
};
