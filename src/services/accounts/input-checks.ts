import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { badRequest } from '../errors.ts';

/**
 * Check `value` against a provider's TypeBox schema; on failure a 400 `VALIDATION_ERROR` names the first bad
 * field (`credentials.clientSecret: Expected string`). Messages never contain the value: credentials are
 * checked here too.
 */
export function checkAgainstSchema(schema: TSchema, value: unknown, label: string): void {
  if (Value.Check(schema, value)) return;
  const first = Value.Errors(schema, value).First();
  const path = pointerToDotted(first?.path ?? '');
  const field = path ? `${label}.${path}` : label;
  throw badRequest('VALIDATION_ERROR', `${field}: ${first?.message ?? 'is invalid'}`, { field });
}

function pointerToDotted(pointer: string): string {
  return pointer
    .split('/')
    .filter((part) => part !== '')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** Credentials are flat string maps (API keys, client ids and secrets), whatever else the schema says. */
export function checkCredentialShape(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('VALIDATION_ERROR', 'credentials: Expected object', { field: 'credentials' });
  }
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== 'string') {
      throw badRequest('VALIDATION_ERROR', `credentials.${key}: Expected string`, { field: `credentials.${key}` });
    }
  }
  return { ...(value as Record<string, string>) };
}

/** Settings: a JSON object, with the schema's defaults filled in before it is checked. */
export function settingsWithDefaults(schema: TSchema, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('VALIDATION_ERROR', 'settings: Expected object', { field: 'settings' });
  }
  const settings = Value.Default(schema, Value.Clone(value)) as Record<string, unknown>;
  checkAgainstSchema(schema, settings, 'settings');
  return settings;
}

/** An account's API root: absolute http(s), with no user name or password in it (they would show in listings). */
export function checkBaseUrl(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest('VALIDATION_ERROR', 'baseUrl must be an absolute http(s) URL', { field: 'baseUrl' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest('VALIDATION_ERROR', 'baseUrl must use http or https', { field: 'baseUrl' });
  }
  if (url.username || url.password) {
    throw badRequest('VALIDATION_ERROR', 'baseUrl must not contain credentials; put them in credentials', { field: 'baseUrl' });
  }
  return text;
}
