import type { Command } from 'commander';
import { EVENT_TYPES } from '../../contract/event-types.ts';
import type { PlatformEvent } from '../../contract/events.ts';
import { contextFor } from '../context.ts';
import { ApiError as ApiAnswerError, ConnectionError, UsageError } from '../errors.ts';
import { renderTable } from '../format/table.ts';
import { collectList, positiveInt } from '../options.ts';
import { isUuid, resolveVmId } from '../resolve.ts';

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

interface FilterFlags {
  type?: string[];
  vm?: string;
}

export function registerEventsCommand(program: Command): void {
  const events = program
    .command('events')
    .description('follow what happens to your VMs, jobs, volumes and keys as it happens (Ctrl-C ends); `events ls` pages the log')
    .option('--type <types>', `only these event types (repeatable or comma-separated): ${EVENT_TYPES.join(', ')}`, collectList)
    .option('--vm <vm>', "only events of this VM (name or id), its jobs' included")
    .option('--since-id <id>', 'first replay the stored events after this event id, then follow')
    .action(async (opts: FilterFlags & { sinceId?: string }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const types = checkedTypes(opts.type);
      if (opts.sinceId !== undefined && !isUuid(opts.sinceId)) throw new UsageError('--since-id takes an event id (a uuid)');
      const vmId = opts.vm ? await resolveVmId(ctx.client, opts.vm) : null;
      const { openEventStream, EventStreamRefused } = await import('../../lib/sse-reader.ts');

      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      process.once('SIGINT', onInterrupt);
      process.once('SIGTERM', onInterrupt);
      let wasLive = false;
      // The first connection failing is an error, as for any command; a stream lost later is picked up again.
      let firstFailure: Error | null = null;
      const stream = openEventStream({
        baseUrl: ctx.config.url,
        apiKey: ctx.config.apiKey,
        types,
        lastEventId: opts.sinceId ?? null,
        signal: stop.signal,
        onEvent: (event) => {
          if (vmId !== null && !concernsVm(event, vmId)) return;
          ctx.print(ctx.config.json ? JSON.stringify(event) : eventLine(event));
        },
        onState: (state, info) => {
          if (state === 'live') {
            ctx.note(wasLive ? 'event stream: live again' : 'Following events; Ctrl-C ends');
            wasLive = true;
          }
          if (state === 'reconnecting' && !wasLive) {
            firstFailure = info.error ?? new Error('no event stream');
            stop.abort();
            return;
          }
          if (state === 'reconnecting') {
            const seconds = Math.max(1, Math.round((info.retryInMs ?? 0) / 1000));
            ctx.note(`event stream: ${info.error?.message ?? 'lost'}; reconnecting in ${seconds}s`);
          }
        },
        onError: (error) => ctx.note(`warning: ${error.message}`),
      });
      try {
        await stream.done;
        if (firstFailure) throw new ConnectionError(ctx.config.url, reasonOf(firstFailure));
      } catch (error) {
        if (error instanceof EventStreamRefused) throw new ApiAnswerError(error.status, error.code, error.message);
        throw error;
      } finally {
        process.removeListener('SIGINT', onInterrupt);
        process.removeListener('SIGTERM', onInterrupt);
      }
    });

  events
    .command('ls')
    .alias('list')
    .description('page the stored events, newest first')
    .option('--type <types>', 'only these event types (repeatable or comma-separated)', collectList)
    .option('--vm <vm>', 'only events whose subject is this VM (name or id)')
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--limit <n>', 'rows per page (at most 100)', positiveInt, 20)
    .action(async (opts: FilterFlags & { page: number; limit: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const types = checkedTypes(opts.type ?? cmd.parent?.opts<FilterFlags>().type);
      const vmRef = opts.vm ?? cmd.parent?.opts<FilterFlags>().vm;
      const subjectId = vmRef ? await resolveVmId(ctx.client, vmRef) : undefined;
      if (opts.limit > 100) throw new UsageError('--limit is at most 100');
      const result = await ctx.client.get<PlatformEvent[]>('/v1/events', {
        format: 'json',
        page: opts.page,
        limit: opts.limit,
        types,
        subjectId,
      });
      ctx.emit(result, (rows) => {
        if (rows.length === 0) return 'No events.';
        const table = renderTable(rows, [
          { header: 'TIME', value: (e) => eventTime(e.time) },
          { header: 'TYPE', value: (e) => e.type },
          { header: 'SUBJECT', value: subjectText },
          { header: 'SUMMARY', value: summary },
          { header: 'ID', value: (e) => e.id },
        ]);
        const meta = result.meta;
        const more = meta?.hasNextPage ? `; --page ${meta.page + 1} for more` : '';
        return meta && meta.totalPages > 1
          ? `${table}\n\npage ${meta.page} of ${meta.totalPages} (${meta.total} events)${more}`
          : table;
      });
    });
}

/** The socket error's code when there is one (fetch puts it under `cause`), else the message. */
function reasonOf(error: Error): string {
  let current: unknown = error;
  let deepest = error.message;
  while (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    deepest = current.message;
    current = current.cause;
  }
  return deepest;
}

function checkedTypes(types: string[] | undefined): string[] | undefined {
  if (!types || types.length === 0) return undefined;
  const unknown = types.filter((t) => !KNOWN_TYPES.has(t));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown event type ${unknown.map((t) => `"${t}"`).join(', ')}; known types are ${EVENT_TYPES.join(', ')}`,
    );
  }
  return [...new Set(types)];
}

/** The VM itself, or one of its jobs (job events name their VM in `data.vmId`). */
function concernsVm(event: PlatformEvent, vmId: string): boolean {
  return event.subject.id === vmId || event.data.vmId === vmId;
}

/** One line per event: time, type, subject, what happened. */
export function eventLine(event: PlatformEvent): string {
  const summaryText = summary(event);
  return [eventTime(event.time), event.type.padEnd(20), subjectText(event), summaryText ? `· ${summaryText}` : '']
    .filter(Boolean)
    .join('  ');
}

/** `2025-01-31 14:05:09` in UTC, as the other commands print times (to the second: events come fast). */
function eventTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 19).replace('T', ' ');
}

function subjectText(event: PlatformEvent): string {
  const name = text(event.data.name) ?? text(event.data.vmName);
  const kind = event.subject.kind.replace('_', ' ');
  return name ? `${kind} ${name} (${event.subject.id.slice(0, 8)})` : `${kind} ${event.subject.id}`;
}

function summary(event: PlatformEvent): string {
  const d = event.data;
  switch (event.type) {
    case 'vm.status_changed': {
      const reason = text(d.reason);
      return `${text(d.from) ?? '?'} → ${text(d.to) ?? '?'}${reason ? ` (${reason})` : ''}`;
    }
    case 'vm.preempted':
      return 'reclaimed by the provider';
    case 'job.progress': {
      const progress = typeof d.progress === 'number' ? ` ${Math.round(d.progress)}%` : '';
      return [`${text(d.operation) ?? 'job'}${progress}`, text(d.stage), text(d.message)].filter(Boolean).join(' · ');
    }
    case 'job.succeeded':
      return [`${text(d.operation) ?? 'job'} succeeded`, text(d.message)].filter(Boolean).join(' · ');
    case 'job.failed':
      return `${text(d.operation) ?? 'job'} failed: ${text(d.errorMessage) ?? text(d.errorCode) ?? 'no reason given'}`;
    default:
      return text(d.message) ?? text(d.action) ?? text(d.status) ?? text(d.to) ?? '';
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
