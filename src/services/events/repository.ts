import type { Kysely } from 'kysely';
import type { EventType, PlatformEvent } from '../../core/domain/events.ts';
import type { Database } from '../../store/schema.ts';
import { paginate } from '../pagination.ts';
import type { ListQuery, Page } from '../types.ts';
import { eventFromRow } from './publisher.ts';

/** How long stored events are kept (and so how far back a reconnecting client can resume) unless configured. */
export const DEFAULT_EVENT_RETENTION_DAYS = 7;

/** Which events a reader wants; every field narrows, none widens. */
export interface EventFilter {
  /** Only this entity's events (always set for API callers). */
  entityId?: string;
  types?: readonly EventType[];
  /** Only events about this resource (VM, job, volume, SSH key…). */
  subjectId?: string;
  /** Only events stored after this one (by store order). */
  afterSeq?: number;
  /** ISO-8601 bounds on the event time, inclusive. */
  since?: string;
  until?: string;
}

export class EventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private filtered(filter: EventFilter) {
    let query = this.db.selectFrom('events').selectAll();
    if (filter.entityId !== undefined) query = query.where('entity_id', '=', filter.entityId);
    if (filter.types && filter.types.length > 0) query = query.where('type', 'in', [...filter.types]);
    if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId);
    if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('at', '<=', filter.until);
    return query;
  }

  /** Events in store order (oldest first), at most `limit`: what a stream replays and the hub reads. */
  async after(filter: EventFilter, limit: number): Promise<PlatformEvent[]> {
    const rows = await this.filtered(filter).orderBy('seq', 'asc').limit(limit).execute();
    return rows.map(eventFromRow);
  }

  /** Events with these exact seqs (re-reading a gap the hub saw). */
  async withSeqs(seqs: readonly number[]): Promise<PlatformEvent[]> {
    if (seqs.length === 0) return [];
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('seq', 'in', [...seqs])
      .orderBy('seq')
      .execute();
    return rows.map(eventFromRow);
  }

  /** One page in GPCN's conventions, newest first. */
  async page(filter: EventFilter, list: ListQuery): Promise<Page<PlatformEvent>> {
    return paginate(this.filtered(filter), list, {
      sortable: { time: 'at', seq: 'seq' },
      defaultSort: [{ field: 'seq', direction: 'desc' }],
      tiebreaker: 'seq',
      map: eventFromRow,
    });
  }

  /** The store order of an event id, within one entity; undefined when unknown (or pruned). */
  async seqOf(eventId: string, entityId?: string): Promise<number | undefined> {
    let query = this.db.selectFrom('events').select('seq').where('id', '=', eventId);
    if (entityId !== undefined) query = query.where('entity_id', '=', entityId);
    const row = await query.executeTakeFirst();
    return row ? Number(row.seq) : undefined;
  }

  /** The newest seq stored (0 when there is none): where a process's hub starts reading. */
  async latestSeq(): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return row?.seq === null || row?.seq === undefined ? 0 : Number(row.seq);
  }

  /**
   * Drop events older than `days`, and the finished webhook deliveries of that age with them (a pending one
   * stays: it fails on its next attempt, naming the pruned event); returns how many events went.
   */
  async prune(days: number, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
    const result = await this.db.deleteFrom('events').where('at', '<', cutoff).executeTakeFirst();
    await this.db
      .deleteFrom('webhook_deliveries')
      .where('created_at', '<', cutoff)
      .where('status', 'in', ['delivered', 'failed'])
      .execute();
    return Number(result.numDeletedRows);
  }
}
