import { badRequest } from './errors.ts';

export const MAX_NAME_LENGTH = 100;

/**
 * A display name as users give it: trimmed, 1 to `max` characters, no control characters (they break
 * listings and terminals). Throws 400 `VALIDATION_ERROR` naming `what`.
 */
export function cleanName(value: unknown, what: string, max = MAX_NAME_LENGTH): string {
  if (typeof value !== 'string') throw badRequest('VALIDATION_ERROR', `${what} must be a string`);
  const name = value.trim();
  if (name.length === 0) throw badRequest('VALIDATION_ERROR', `${what} must not be empty`);
  if (name.length > max) throw badRequest('VALIDATION_ERROR', `${what} must be at most ${max} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(name)) throw badRequest('VALIDATION_ERROR', `${what} must not contain control characters`);
  return name;
}
