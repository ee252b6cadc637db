import type { PlatformEvent } from '../core/domain/events.ts';
import type { Logger } from '../logger.ts';
import type { EventPublisher } from '../services/events/publisher.ts';
import type { EventRepository } from '../services/events/repository.ts';
import type { EventListFilter, EventService, EventStreamFilter, ListQuery, Page } from '../services/types.ts';
import { PgEventListener } from './event-listener.ts';

export interface EventHubOptions {
  /** Read the store this often even without a wake-up (a lost NOTIFY, an event committed by a caller's transaction). */
  pollMs: number;
  /** How long a seq missing from a read is looked for again (a PostgreSQL transaction that took its seq earlier but committed later). */
  gapWindowMs: number;
  /** PostgreSQL only: LISTEN here for events stored by other replicas. */
  pgUrl?: string;
}

const READ_BATCH = 500;
const REPLAY_BATCH = 500;
/** A gap this large is not a late commit but a jump of the sequence; only the newest seqs are looked for. */
const MAX_TRACKED_GAPS = 1_000;

interface Subscriber {
  filter: EventStreamFilter;
  types: ReadonlySet<string> | null;
  deliver: (event: PlatformEvent) => void;
  /** Live events that arrive while stored ones are still being replayed, delivered after them. */
  buffer: PlatformEvent[] | null;
}

/**
 * One per process: reads what is new in the event log once per wake-up and hands each event to every
 * subscriber whose entity and filters it matches. Wake-ups come from this process's publisher, from
 * PostgreSQL NOTIFY (events of other replicas) and from a slow poll. Store order is `seq`, but on
 * PostgreSQL a lower seq can commit after a higher one was read: a seq skipped by a read is looked for
 * again for `gapWindowMs`, and every event is dispatched once (de-duplicated by seq).
 */
export class EventHub implements EventService {
  private readonly subscribers = new Set<Subscriber>();
  /** Highest seq read so far. */
  private cursor = 0;
  /** Seqs below the cursor not seen yet, with when to stop looking for them. */
  private readonly gaps = new Map<number, number>();
  private reading: Promise<void> | null = null;
  private again = false;
  private started = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private gapTimer: NodeJS.Timeout | null = null;
  private listener: PgEventListener | null = null;
  private unsubscribePublisher: (() => void) | null = null;

  constructor(
    private readonly repository: EventRepository,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    private readonly options: EventHubOptions,
  ) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.cursor = await this.repository.latestSeq();
    this.unsubscribePublisher = this.publisher.onPublished(() => this.wake());
    if (this.options.pgUrl) {
      this.listener = new PgEventListener(this.options.pgUrl, () => this.wake(), this.logger);
      await this.listener.start();
    }
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.unsubscribePublisher?.();
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    await this.listener?.stop();
    await this.reading;
    this.subscribers.clear();
  }

  list(filter: EventListFilter, query: ListQuery): Promise<Page<PlatformEvent>> {
    return this.repository.page(filter, query);
  }

  async resumeSeq(eventId: string, entityId: string): Promise<number | undefined> {
    return this.repository.seqOf(eventId, entityId);
  }

  /**
   * Deliver the entity's matching events: with `afterSeq`, first the stored ones after it (a reconnecting
   * client misses nothing still retained), then live ones as they are stored. Returns the unsubscribe.
   */
  subscribe(
    filter: EventStreamFilter,
    afterSeq: number | null,
    deliver: (event: PlatformEvent) => void,
    onError: (error: unknown) => void,
  ): () => void {
    const subscriber: Subscriber = {
      filter,
      types: filter.types && filter.types.length > 0 ? new Set(filter.types) : null,
      deliver,
      buffer: afterSeq === null ? null : [],
    };
    this.subscribers.add(subscriber);
    if (afterSeq !== null) {
      // What the hub will still dispatch (above the cursor, or in a gap) comes live; the rest is replayed.
      const upTo = this.cursor;
      const pending = new Set(this.gaps.keys());
      this.replay(subscriber, afterSeq, upTo, pending).catch((error) => {
        this.subscribers.delete(subscriber);
        onError(error);
      });
    }
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  /** Read now (coalesced: one read at a time, and one more if woken meanwhile). */
  wake(): void {
    if (!this.started) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readNew()
      .catch((error) => this.logger.warn('reading new events failed', { error: String(error) }))
      .finally(() => {
        this.reading = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async replay(subscriber: Subscriber, afterSeq: number, upTo: number, pending: ReadonlySet<number>): Promise<void> {
    let from = afterSeq;
    while (from < upTo && this.subscribers.has(subscriber)) {
      const batch = await this.repository.after({ ...subscriber.filter, afterSeq: from }, REPLAY_BATCH);
      for (const event of batch) {
        if (event.seq > upTo) break;
        if (!pending.has(event.seq) && this.subscribers.has(subscriber)) subscriber.deliver(event);
      }
      const last = batch.at(-1);
      if (!last || batch.length < REPLAY_BATCH) break;
      from = last.seq;
    }
    const buffered = subscriber.buffer ?? [];
    subscriber.buffer = null;
    buffered.sort((a, b) => a.seq - b.seq);
    for (const event of buffered) if (this.subscribers.has(subscriber)) subscriber.deliver(event);
  }

  private async readNew(): Promise<void> {
    if (this.subscribers.size === 0) {
      // Nobody to hand events to: skip reading them, but move on so a later subscriber starts from now.
      this.cursor = Math.max(this.cursor, await this.repository.latestSeq());
      this.gaps.clear();
      return;
    }
    const found: PlatformEvent[] = [];
    if (this.gaps.size > 0) {
      const now = Date.now();
      for (const [seq, until] of this.gaps) if (until < now) this.gaps.delete(seq);
      const late = await this.repository.withSeqs([...this.gaps.keys()]);
      for (const event of late) this.gaps.delete(event.seq);
      found.push(...late);
    }
    for (;;) {
      const batch = await this.repository.after({ afterSeq: this.cursor }, READ_BATCH);
      for (const event of batch) {
        this.noteGapsBefore(event.seq);
        this.cursor = event.seq;
        found.push(event);
      }
      if (batch.length < READ_BATCH) break;
    }
    for (const event of found) this.dispatch(event);
    if (this.gaps.size > 0) this.scheduleGapCheck();
  }

  private noteGapsBefore(seq: number): void {
    const until = Date.now() + this.options.gapWindowMs;
    for (let missing = Math.max(this.cursor + 1, seq - MAX_TRACKED_GAPS); missing < seq; missing++) this.gaps.set(missing, until);
    if (this.gaps.size > MAX_TRACKED_GAPS) {
      const oldest = [...this.gaps.keys()].sort((a, b) => a - b).slice(0, this.gaps.size - MAX_TRACKED_GAPS);
      for (const seq of oldest) this.gaps.delete(seq);
    }
  }

  private dispatch(event: PlatformEvent): void {
    for (const subscriber of this.subscribers) {
      if (!matches(subscriber, event)) continue;
      if (subscriber.buffer) subscriber.buffer.push(event);
      else subscriber.deliver(event);
    }
  }

  private schedulePoll(): void {
    if (!this.started) return;
    this.pollTimer = setTimeout(() => {
      this.wake();
      this.schedulePoll();
    }, this.options.pollMs);
    this.pollTimer.unref();
  }

  /** While a gap is open, look again soon rather than at the next poll. */
  private scheduleGapCheck(): void {
    if (this.gapTimer || !this.started) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      this.wake();
    }, 100);
    this.gapTimer.unref();
  }
}

function matches(subscriber: Subscriber, event: PlatformEvent): boolean {
  const { filter } = subscriber;
  if (event.entityId !== filter.entityId) return false;
  if (subscriber.types && !subscriber.types.has(event.type)) return false;
  if (filter.subjectId !== undefined && event.subject.id !== filter.subjectId) return false;
  return true;
}
