import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify's own ajv compiler (installed with Fastify), built twice: JSON bodies are checked as sent — a
 * string is never turned into a number and unknown fields are refused, not stripped — while query
 * strings and path parameters, which are always text on the wire, are coerced to their schema types.
 */
const ajvOptions = { removeAdditional: false, allErrors: false, useDefaults: true } as const;

/** ajv-formats also accepts `urn:uuid:…`, which no store column takes: only the bare 8-4-4-4-12 form is an id. */
const BARE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const onCreate = (ajv: { addFormat(name: string, format: RegExp): unknown }) => {
  ajv.addFormat('uuid', BARE_UUID);
};

// The published types describe the pooled compile function as taking a bare schema; at run time it
// takes Fastify's route definition `{schema, method, url, httpPart}`, which is what is passed here.
type BuildValidator = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>;

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/**
 * Coercion turns `1e400` into Infinity, which passes ajv's `maximum` check; no query or path number is
 * meant to be infinite, so one is refused as not a number, naming the parameter.
 */
function finiteOnly(validate: Validate): Validate {
  const wrapped: Validate = (data) => {
    if (!validate(data)) {
      wrapped.errors = validate.errors ?? null;
      return false;
    }
    const entries = data && typeof data === 'object' ? Object.entries(data) : [];
    const infinite = entries.find(([, value]) => typeof value === 'number' && !Number.isFinite(value));
    wrapped.errors = infinite
      ? [{ keyword: 'type', instancePath: `/${infinite[0]}`, params: { type: 'number' }, message: 'must be a finite number' }]
      : null;
    return !infinite;
  };
  return wrapped;
}

// Fastify asks for a validator per route context; the pool hands back the same ajv instances for the
// same shared schemas and options instead of building (and meta-validating) new ones every time.
const pool = AjvCompiler();

export const buildValidator = ((externalSchemas: Record<string, unknown>) => {
  const strict = pool(externalSchemas as never, { customOptions: { ...ajvOptions, coerceTypes: false }, onCreate });
  const coercing = pool(externalSchemas as never, { customOptions: { ...ajvOptions, coerceTypes: 'array' }, onCreate });
  return (route: { schema: unknown; httpPart?: string }) =>
    route.httpPart === 'body' ? strict(route as never) : finiteOnly(coercing(route as never) as unknown as Validate);
}) as unknown as BuildValidator;
