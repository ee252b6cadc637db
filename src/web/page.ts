import type { ApiClient } from './api.ts';
import type { LiveEvents } from './components/live-events.ts';

export interface NavigateOptions {
  replace?: boolean;
  /** A message for the next page to show once, e.g. "VM deleted". */
  flash?: string;
}

/** What every page gets from the router. */
export interface PageContext {
  api: ApiClient;
  /** The dashboard's event stream: pages refresh on the events that concern them (see liveRefresh). */
  live: LiveEvents;
  /** The page's own container; the router empties it on navigation. */
  root: HTMLElement;
  /** Path parameters, e.g. `id` of `/vms/:id`. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Aborted when the user leaves the page: stops polls and drops late answers. */
  signal: AbortSignal;
  /** Handed over by the previous page through `navigate(…, {flash})`. */
  flash: string | null;
  navigate(path: string, options?: NavigateOptions): void;
  setTitle(title: string): void;
}

export type Page = (ctx: PageContext) => void;
