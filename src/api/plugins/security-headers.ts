import type { FastifyReply } from 'fastify';

/**
 * Pages gpufleet serves (the dashboard and the API docs) call nothing but their own origin and run no
 * inline code: everything else is refused, so even a VM name crafted as markup could not load or run anything.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // The one <style> element Swagger UI writes (its SVG sprite's), allowed by its hash and nothing else inline.
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers of every HTML page: no framing (clickjacking), no referrer (a `#key=` link never leaks). */
export function applyPageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff');
}
