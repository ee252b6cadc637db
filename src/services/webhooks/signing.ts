import { randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';

const SECRET_PREFIX = 'whsec_';
/** 32 random bytes: beyond the 24 the Standard Webhooks libraries accept at least. */
const SECRET_BYTES = 32;
/** Enough of a secret to tell two apart in a listing, far too little to guess the rest. */
const SHOWN_PREFIX_CHARS = 12;

/** How long the secret a rotation replaced keeps signing, so receivers can switch without a gap. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 60 * 60 * 1000;

/** A new signing secret in the Standard Webhooks form: `whsec_` + base64 of random bytes. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export function secretPrefixOf(secret: string): string {
  return secret.slice(0, SHOWN_PREFIX_CHARS);
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-id` (the event id, so receivers de-duplicate
 * retries), `webhook-timestamp` (Unix seconds) and `webhook-signature` — `v1,<base64 HMAC-SHA256 of
 * "{id}.{timestamp}.{body}">` per secret, space-separated when a rotated-out secret still signs.
 */
export function signatureHeaders(
  eventId: string,
  body: string,
  secrets: readonly string[],
  at: Date = new Date(),
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  // Whole seconds: the header carries seconds, and the signed timestamp must be the one sent.
  const timestamp = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': secrets.map((secret) => new StandardWebhook(secret).sign(eventId, timestamp, body)).join(' '),
  };
}
