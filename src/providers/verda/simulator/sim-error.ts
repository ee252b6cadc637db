import type { FastifyReply } from 'fastify';

/** Verda's error codes (seed error table plus the OpenAPI enum). */
export type VerdaErrorCode =
  | 'invalid_request'
  | 'unauthorized_request'
  | 'insufficient_funds'
  | 'forbidden_action'
  | 'not_found'
  | 'conflict'
  | 'rate_limit_exceeded'
  | 'server_error'
  | 'service_unavailable';

/** A refusal of the simulated API, rendered as Verda's `{code, message}` body. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: VerdaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function sendVerdaError(reply: FastifyReply, status: number, code: VerdaErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ code, message });
}

export const invalid = (message: string) => new SimError(400, 'invalid_request', message);
export const notFound = (message: string) => new SimError(404, 'not_found', message);
