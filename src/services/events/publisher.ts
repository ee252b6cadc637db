import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { EventInput, EventSubjectKind, EventType, PlatformEvent } from '../../core/domain/events.ts';
import type { Dialect } from '../../store/database.ts';
import type { Database, EventTable } from '../../store/schema.ts';

/** PostgreSQL channel that wakes every replica's subscribers when an event is stored. */
export const EVENTS_CHANNEL = 'gpufleet_events';

/**
 * Work that must happen with an event, in the same transaction (e.g. queueing webhook deliveries), so a
 * stored event never lacks it, whatever crashes afterwards.
 */
export type EventFanout = (trx: Kysely<Database>, event: PlatformEvent) => Promise<unknown>;

/**
 * The one way anything records an event. The event and its fan-outs are written in one transaction; on
 * PostgreSQL a NOTIFY in that transaction reaches every replica at commit, and in-process listeners
 * are called once it has committed. Listeners are only a wake-up: they read the store for what is new.
 */
export class EventPublisher {
  private readonly fanouts: EventFanout[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  addFanout(fanout: EventFanout): void {
    this.fanouts.push(fanout);
  }

  /** Called after each event this process stores; returns a function that removes the listener. */
  onPublished(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Store an event. With `trx` it joins the caller's transaction (listeners are told at once; readers
   * that run before the commit find it on their next look); without, it commits on its own.
   */
  async publish(input: EventInput, trx?: Kysely<Database>): Promise<PlatformEvent> {
    const event = trx ? await this.write(trx, input) : await this.db.transaction().execute((t) => this.write(t, input));
    for (const listener of this.listeners) listener();
    return event;
  }

  private async write(trx: Kysely<Database>, input: EventInput): Promise<PlatformEvent> {
    const row = {
      id: randomUUID(),
      entity_id: input.entityId,
      type: input.type,
      subject_kind: input.subject.kind,
      subject_id: input.subject.id,
      at: input.time ?? new Date().toISOString(),
      data_json: JSON.stringify(input.data ?? {}),
    };
    const inserted = await trx.insertInto('events').values(row).returning('seq').executeTakeFirstOrThrow();
    const event = eventFromRow({ ...row, seq: inserted.seq });
    for (const fanout of this.fanouts) await fanout(trx, event);
    if (this.dialect === 'postgres') await sql`select pg_notify(${EVENTS_CHANNEL}, ${String(event.seq)})`.execute(trx);
    return event;
  }
}

export function eventFromRow(row: Selectable<EventTable>): PlatformEvent {
  return {
    id: row.id,
    seq: Number(row.seq),
    type: row.type as EventType,
    time: row.at,
    entityId: row.entity_id,
    subject: { kind: row.subject_kind as EventSubjectKind, id: row.subject_id },
    data: JSON.parse(row.data_json) as Record<string, unknown>,
  };
}
