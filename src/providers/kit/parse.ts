import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { ProviderError } from '../../core/provider/errors.ts';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerFor<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<T>;
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Check a provider response against its wire schema. On a mismatch, throw `bad_response` naming the
 * provider, what was being read and the first offending field, so a changed API fails here and not as
 * an `undefined` deep inside the core.
 */
export function parseWire<T extends TSchema>(schema: T, value: unknown, ctx: { provider: string; what: string }): Static<T> {
  const check = checkerFor(schema);
  if (check.Check(value)) return value as Static<T>;
  const first = check.Errors(value).First();
  const field = first?.path || '/';
  throw new ProviderError({
    provider: ctx.provider,
    kind: 'bad_response',
    field,
    message: `unexpected response to ${ctx.what}: field "${field}" ${first?.message ?? 'is invalid'} (got ${preview(first?.value)})`,
  });
}
