import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PagedEnvelope, ref } from '../../contract/common.ts';
import { EVENT_TYPES } from '../../contract/event-types.ts';
import { EVENT_SORTABLE, EventQuery, PlatformEventSchema } from '../../contract/events.ts';
import type { EventType, PlatformEvent } from '../../core/domain/events.ts';
import { badRequest } from '../../services/errors.ts';
import type { EventStreamFilter, Services } from '../../services/types.ts';
import { toListQuery } from '../list-query.ts';
import { callContext } from '../plugins/auth.ts';
import { paged } from '../plugins/envelope.ts';
import { errorResponses } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and clients from taking a quiet stream for a dead one. */
  heartbeatMs: number;
  /** The reconnect delay suggested to clients (`retry:`). */
  retryMs: number;
}

export const DEFAULT_EVENT_STREAM: EventStreamOptions = { heartbeatMs: 15_000, retryMs: 3_000 };

/** A client that reads slower than this much is written to is cut off (it reconnects and resumes). */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

export function eventRoutes(app: FastifyInstance, services: Services, options: EventStreamOptions = DEFAULT_EVENT_STREAM): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  const open = new Set<() => void>();
  // A stream never ends by itself: end them all, so closing the server does not wait on them.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  api.get(
    '/v1/events',
    {
      schema: {
        tags: ['Events'],
        summary: 'Stream or page events',
        description:
          "Server-Sent Events of the caller's entity (`Content-Type: text/event-stream`): each frame has `id:` (the event id), " +
          '`event:` (its type) and `data:` (the PlatformEvent as JSON); a `: heartbeat` comment every 15 s. Resume with the ' +
          '`Last-Event-ID` header (or `lastEventId`): stored events after it are replayed, then live ones follow. An id that is ' +
          'not (or no longer) stored replays every retained event (7 days by default). With `format=json` the same stored ' +
          'events are paged, newest first (GPCN list conventions; `since`/`until` bound the time).',
        querystring: EventQuery,
        response: {
          200: PagedEnvelope(ref(PlatformEventSchema), 'JSON page (format=json); otherwise an event stream'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { principal } = callContext(request);
      const { format, types, subjectId, lastEventId, since, until, page, limit, sort } = request.query;
      const filter: EventStreamFilter = {
        entityId: principal.entityId,
        ...(types !== undefined ? { types: parseTypes(types) } : {}),
        ...(subjectId !== undefined ? { subjectId } : {}),
      };
      if (format === 'json') {
        if (since !== undefined && until !== undefined && Date.parse(since) > Date.parse(until)) {
          throw badRequest('VALIDATION_ERROR', 'query.since must not be after query.until', { field: 'query.since' });
        }
        const parsed = toListQuery({ page, limit, sort: sort ?? 'seq:desc' }, EVENT_SORTABLE);
        const order = parsed.sort.map((s) => (s.field === 'createdAt' ? { ...s, field: 'time' } : s));
        if (new Set(order.map((s) => s.field)).size < order.length)
          throw badRequest('VALIDATION_ERROR', 'query.sort: "createdAt" and "time" are the same field', { field: 'query.sort' });
        // Events stored in the same millisecond keep their store order, in the direction asked for.
        const time = order.find((s) => s.field === 'time');
        if (time && !order.some((s) => s.field === 'seq')) order.push({ field: 'seq', direction: time.direction });
        const list = { ...parsed, sort: order };
        const events = await services.events.list(
          { ...filter, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) },
          list,
        );
        return paged('Events retrieved successfully', events);
      }
      for (const [name, value] of [
        ['since', since],
        ['until', until],
        ['page', page],
        ['limit', limit],
        ['sort', sort],
      ] as const) {
        if (value !== undefined)
          throw badRequest('VALIDATION_ERROR', `query.${name} applies to format=json only`, { field: `query.${name}` });
      }
      const resumeFrom = resumeId(request) ?? lastEventId;
      const afterSeq = resumeFrom === undefined ? null : ((await services.events.resumeSeq(resumeFrom, principal.entityId)) ?? 0);
      stream(request, reply, { services, filter, afterSeq, options, open });
      return reply;
    },
  );
}

function parseTypes(value: string): EventType[] {
  const types = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (types.length === 0)
    throw badRequest('VALIDATION_ERROR', 'query.types: name at least one event type', { field: 'query.types' });
  const unknown = types.filter((t) => !KNOWN_TYPES.has(t));
  if (unknown.length > 0) {
    throw badRequest(
      'VALIDATION_ERROR',
      `query.types: unknown event type ${unknown.map((t) => `"${t}"`).join(', ')}; known types are ${EVENT_TYPES.join(', ')}`,
      { field: 'query.types', unknown },
    );
  }
  return types as EventType[];
}

function resumeId(request: FastifyRequest): string | undefined {
  const header = request.headers['last-event-id'];
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  if (value === '') return undefined;
  if (!UUID.test(value)) {
    throw badRequest('VALIDATION_ERROR', 'header.last-event-id must be an event id (a uuid)', { field: 'header.last-event-id' });
  }
  return value;
}

export function sseFrame(event: PlatformEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Take the connection over from Fastify (no serializer, no envelope: the body is an endless text stream),
 * keep the headers the hooks set (request id, rate limit), and release the subscription however it ends.
 */
function stream(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: {
    services: Services;
    filter: EventStreamFilter;
    afterSeq: number | null;
    options: EventStreamOptions;
    open: Set<() => void>;
  },
): void {
  reply.hijack();
  const raw = reply.raw;
  const hookHeaders = Object.entries(reply.getHeaders()).filter(
    (entry): entry is [string, string | number | string[]] => entry[1] !== undefined,
  );
  raw.writeHead(200, {
    ...Object.fromEntries(hookHeaders),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Reverse proxies (nginx) would otherwise hold frames back to fill a buffer.
    'x-accel-buffering': 'no',
  });
  raw.write(`retry: ${ctx.options.retryMs}\n\n`);

  let ended = false;
  const write = (text: string) => {
    if (ended) return;
    raw.write(text);
    if (raw.writableLength > MAX_UNREAD_BYTES) end();
  };
  const unsubscribe = ctx.services.events.subscribe(
    ctx.filter,
    ctx.afterSeq,
    (event) => write(sseFrame(event)),
    (error) => {
      request.log.error({ err: error }, 'event replay failed');
      end();
    },
  );
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), ctx.options.heartbeatMs);
  heartbeat.unref();
  function end(): void {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unsubscribe();
    ctx.open.delete(end);
    if (!raw.destroyed) raw.end();
  }
  ctx.open.add(end);
  // The response's close: the client went away (or the stream was ended); the request's own close fires
  // as soon as its (empty) body is read, which is not the end of anything here.
  raw.on('close', end);
}
