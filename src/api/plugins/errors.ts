import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { ErrorBodyType } from '../../contract/common.ts';
import { AppError } from '../../services/errors.ts';

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

const CONTEXT_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

const GENERIC_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

/** `body.constraints.countries[0]` from the validation context and the JSON pointer of the value. */
function fieldPath(context: string, pointer: string, child?: unknown): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (typeof child === 'string') segments.push(child);
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : `${path}.${s}`), context);
}

/** One clear sentence naming the field; validation stops at the first error (allErrors off). */
export function describeSchemaError(context: string, error: SchemaError): { field: string; message: string } {
  const name = CONTEXT_NAMES[context] ?? context;
  const p = error.params;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = fieldPath(name, error.instancePath, p.additionalProperty);
      return { field, message: `${field} is not a known field` };
    }
    case 'required': {
      const field = fieldPath(name, error.instancePath, p.missingProperty);
      return { field, message: `${field} is required` };
    }
    case 'enum': {
      const field = fieldPath(name, error.instancePath);
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues.map(String).join(', ') : '';
      return { field, message: `${field} must be one of: ${allowed}` };
    }
    case 'format': {
      const field = fieldPath(name, error.instancePath);
      return { field, message: `${field} must be a valid ${p.format === 'uuid' ? 'UUID' : p.format}` };
    }
    case 'type': {
      const field = fieldPath(name, error.instancePath);
      if (context === 'body' && error.instancePath === '') return { field, message: 'The request body must be a JSON object' };
      return { field, message: `${field} must be of type ${Array.isArray(p.type) ? p.type.join(' or ') : String(p.type)}` };
    }
    default: {
      const field = fieldPath(name, error.instancePath);
      return { field, message: `${field} ${error.message ?? 'is invalid'}` };
    }
  }
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBodyType {
  return details === undefined ? { success: false, error: code, message } : { success: false, error: code, message, details };
}

/** Fastify's own errors (parsing, validation, limits) in GPCN's error shape. */
function fromFastifyError(error: FastifyError & { validation?: SchemaError[]; validationContext?: string }) {
  if (error.validation?.[0]) {
    const { field, message } = describeSchemaError(error.validationContext ?? 'body', error.validation[0]);
    return { status: 400, body: errorBody('VALIDATION_ERROR', message, { field }) };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: errorBody('MALFORMED_JSON', 'The request body is not valid JSON') };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send request bodies as application/json') };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody('PAYLOAD_TOO_LARGE', 'The request body is too large') };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: errorBody('BAD_REQUEST', 'Content-Length does not match the body') };
  }
  const status = error.statusCode;
  if (status && status >= 400 && status < 500)
    return { status, body: errorBody(GENERIC_CODES[status] ?? 'BAD_REQUEST', error.message) };
  return null;
}

/** By shape as well as class, so an AppError from a second copy of the module is still recognised. */
function isAppError(error: unknown): error is AppError {
  if (error instanceof AppError) return true;
  const e = error as Partial<AppError> | null;
  return (
    e?.name === 'AppError' && typeof e.status === 'number' && e.status >= 400 && e.status < 600 && typeof e.code === 'string'
  );
}

export function toErrorResponse(error: unknown): { status: number; body: ErrorBodyType } {
  if (isAppError(error)) return { status: error.status, body: errorBody(error.code, error.message, error.details) };
  const mapped = error && typeof error === 'object' ? fromFastifyError(error as FastifyError) : null;
  // Anything else is a bug: its message may hold internals, so the caller only learns that it failed.
  return mapped ?? { status: 500, body: errorBody('INTERNAL_ERROR', 'Internal server error') };
}

/** Where server-side failures are reported: one line per 5xx answer, with its request id. */
export interface ErrorLog {
  error(message: string, fields?: Record<string, unknown>): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The error behind a 5xx answer, kept for its log line. */
    failure: unknown;
  }
}

export function registerErrorHandling(app: FastifyInstance, log?: ErrorLog): void {
  let closing = false;
  app.decorateRequest('failure', null);
  app.addHook('preClose', async () => {
    closing = true;
  });
  // First of all hooks: every answer names its request, so a 5xx a client reports can be found in the log.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Fastify's own answer to requests arriving while it closes is not in the envelope; this one is.
    if (closing) {
      reply.header('connection', 'close');
      throw new AppError(503, 'SHUTTING_DOWN', 'The server is shutting down; retry on another replica or after the restart');
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) {
      request.failure = error;
      request.log.error({ err: error }, 'request failed');
      // A bug's own message stays in the log; the caller gets the id to quote.
      if (body.error === 'INTERNAL_ERROR') body.details = { requestId: request.id };
    }
    return reply.code(status).send(body);
  });

  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 500 || !log || request.routeOptions.config?.probe) return;
    const failure = request.failure;
    log.error('request failed', {
      requestId: request.id,
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ...(failure ? { error: failure instanceof Error ? (failure.stack ?? failure.message) : String(failure) } : {}),
    });
  });

  app.setNotFoundHandler((request: FastifyRequest, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/** Node's HTTP parser errors, which no route or hook ever sees, as GPCN error answers. */
function clientErrorAnswer(error: NodeJS.ErrnoException & { reason?: string }): {
  status: number;
  code: string;
  message: string;
} {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', message: 'The request line and headers exceed 16 KB' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' };
    default: {
      const reason = typeof error.reason === 'string' && error.reason ? `: ${error.reason.toLowerCase()}` : '';
      return { status: 400, code: 'MALFORMED_REQUEST', message: `The request is not valid HTTP${reason}` };
    }
  }
}

/**
 * Fastify's `clientErrorHandler`: malformed HTTP (control characters in a header, bytes past
 * Content-Length read as a next request, a URL over the header limit) answered in the error envelope.
 * A response still being written on the connection goes out first, so the two never interleave.
 */
export function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = clientErrorAnswer(error);
  const body = JSON.stringify(errorBody(code, message));
  const raw =
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  const send = () => {
    if (socket.destroyed) return;
    if (socket.writable) socket.end(raw);
    else socket.destroy();
  };
  const pending = (socket as Socket & { _httpMessage?: { writableEnded: boolean; once(event: string, fn: () => void): void } })
    ._httpMessage;
  if (pending && !pending.writableEnded) pending.once('finish', send);
  else send();
}
