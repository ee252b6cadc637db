import type { PlatformEvent } from '../../contract/events.ts';
import { type EventStream, openEventStream } from '../../lib/sse-reader.ts';
import { h } from './dom.ts';
import { type Poller, poll } from './poll.ts';

/**
 * `live`: the event stream is open and pages refresh when an event concerns them. `reconnecting`: a stream
 * that was live ended and is being opened again. `polling`: the stream cannot be had (a proxy, an outage),
 * so pages poll on their old rhythm while it keeps being retried.
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'polling';

export interface LiveEvents {
  state(): LiveState;
  /** Called at every change of state; returns the unsubscribe. */
  onState(listener: (state: LiveState) => void): () => void;
  /** Called with every event of the caller's entity; returns the unsubscribe. */
  onEvent(listener: (event: PlatformEvent) => void): () => void;
  close(): void;
}

/** The stream asked again this long after the server refused it (it then answers the same pages by polling). */
const AFTER_REFUSAL_MS = 30_000;
/** Reconnects back off up to this: a dashboard should notice a recovered server soon. */
const MAX_RETRY_MS = 10_000;

/**
 * One event stream for the whole dashboard, opened while someone is signed in. The API key goes in the
 * `X-API-Key` header of a fetch (never in a URL, where EventSource would have to put it).
 */
export function connectLiveEvents(key: () => string | null): LiveEvents {
  const stateListeners = new Set<(state: LiveState) => void>();
  const eventListeners = new Set<(event: PlatformEvent) => void>();
  let state: LiveState = 'connecting';
  let closed = false;
  let stream: EventStream | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let lastEventId: string | null = null;

  const setState = (next: LiveState) => {
    if (next === state) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  };

  const open = () => {
    if (closed) return;
    stream = openEventStream({
      baseUrl: '',
      apiKey: key,
      lastEventId,
      maxRetryMs: MAX_RETRY_MS,
      onEvent: (event) => {
        for (const listener of [...eventListeners]) listener(event);
      },
      onState: (readerState, info) => {
        if (readerState === 'live') setState('live');
        else if (readerState === 'reconnecting') setState(info.failures === 0 ? 'reconnecting' : 'polling');
        else if (readerState === 'closed' && !closed) setState('polling');
      },
    });
    const current = stream;
    // Refused (a revoked key, a server without the stream): poll, and ask again later.
    current.done.catch(() => {
      lastEventId = current.lastEventId;
      if (!closed) retryTimer = setTimeout(open, AFTER_REFUSAL_MS);
    });
  };
  open();

  return {
    state: () => state,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      stream?.close();
      stateListeners.clear();
      eventListeners.clear();
    },
  };
}

const LABELS: Record<LiveState, { text: string; title: string }> = {
  connecting: { text: 'Connecting…', title: 'Opening the live event stream' },
  live: { text: 'Live', title: 'Changes appear as they happen' },
  reconnecting: { text: 'Reconnecting…', title: 'The live event stream was lost; opening it again' },
  polling: { text: 'Polling', title: 'The live event stream is unavailable; pages refresh every few seconds until it is back' },
};

/** The header's small Live / Reconnecting / Polling sign. */
export function liveIndicator(live: LiveEvents): HTMLElement {
  const sign = h('span', { class: 'live-indicator', role: 'status', 'aria-label': 'Updates' });
  const show = (state: LiveState) => {
    sign.dataset.state = state;
    sign.title = LABELS[state].title;
    sign.replaceChildren(h('span', { class: 'live-dot', 'aria-hidden': 'true' }), LABELS[state].text);
  };
  show(live.state());
  live.onState(show);
  return sign;
}

export interface LiveRefreshOptions {
  /** Loads and shows the page's data. */
  refresh: () => Promise<void>;
  /** Whether an event concerns what the page shows. */
  concerns: (event: PlatformEvent) => boolean;
  /** The rhythm while the stream is not live. */
  pollMs: number;
  /** A slow safety refresh while it is live (for values no event announces, such as the accrued cost). */
  liveMs: number;
  signal: AbortSignal;
}

/**
 * A page's data kept current: refreshed at once by the events that concern it, polled as before while the
 * stream is lost, and read once more whenever the stream comes back (what happened in between included).
 */
export function liveRefresh(live: LiveEvents, options: LiveRefreshOptions): Poller {
  const poller = poll(options.refresh, () => (live.state() === 'live' ? options.liveMs : options.pollMs), options.signal);
  const offEvent = live.onEvent((event) => {
    if (options.concerns(event)) poller.now();
  });
  // Any change of state changes the rhythm, and a stream that is back may have missed nothing but the page did.
  const offState = live.onState(() => poller.now());
  options.signal.addEventListener(
    'abort',
    () => {
      offEvent();
      offState();
    },
    { once: true },
  );
  return poller;
}

/** An event about this VM: the VM itself, or one of its jobs (they name it in `data.vmId`). */
export function concernsVm(event: PlatformEvent, vmId: string): boolean {
  return event.subject.id === vmId || event.data.vmId === vmId;
}

/** Events that can change a list of VMs: any VM's own events and its jobs'. */
export function concernsVms(event: PlatformEvent): boolean {
  return event.subject.kind === 'vm' || (event.subject.kind === 'job' && typeof event.data.vmId === 'string');
}
