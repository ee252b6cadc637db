import type { Job } from '../../contract/gpu-vm.ts';
import type { ApiClient } from '../api.ts';
import { jobsFrom } from '../api.ts';
import { pricePerHour, providerName } from '../format.ts';
import { h, replace } from './dom.ts';
import { type LiveEvents, liveRefresh } from './live-events.ts';
import { describeError } from './notice.ts';

const JOB_POLL_MS = 1000;
const JOB_LIVE_REFRESH_MS = 10_000;

/**
 * Follows a job with `POST /v1/resource/jobs` and shows its progress: read again at each of its events (or
 * polled while the stream is lost). `onFinish` runs once, when the job has completed or failed. Following
 * ends with the job or when `signal` aborts.
 */
export function jobProgress(
  api: ApiClient,
  first: Job,
  signal: AbortSignal,
  live: LiveEvents,
  onFinish: (job: Job) => void,
): HTMLElement {
  const box = h('section', { class: 'job', 'aria-label': `${verb(first.operation)} ${first.resourceName}` });
  const stop = new AbortController();
  signal.addEventListener('abort', () => stop.abort(), { once: true });
  let finished = false;
  let lastError: string | null = null;

  const show = (job: Job) => {
    renderJob(box, job, lastError);
    if (!finished && (job.isCompleted || job.hasFailed)) {
      finished = true;
      stop.abort();
      onFinish(job);
    }
  };
  show(first);
  if (!finished) {
    let current = first;
    liveRefresh(live, {
      refresh: async () => {
        try {
          const [job] = jobsFrom((await api.post<unknown>('/v1/resource/jobs', { jobIds: [first.jobId] })).data);
          lastError = null;
          if (job) current = job;
        } catch (err) {
          const info = describeError(err);
          lastError = `Could not refresh the job: ${info.message} (${info.code})`;
        }
        if (!stop.signal.aborted) show(current);
      },
      concerns: (event) => event.subject.id === first.jobId,
      pollMs: JOB_POLL_MS,
      liveMs: JOB_LIVE_REFRESH_MS,
      signal: stop.signal,
    });
  }
  return box;
}

function renderJob(box: HTMLElement, job: Job, pollError: string | null): void {
  const percent = Math.max(0, Math.min(100, Math.round(job.progressPercentage)));
  const state = job.hasFailed ? 'failed' : job.isCompleted ? 'done' : 'running';
  box.className = `job job-${state}`;
  const title = `${verb(job.operation)} ${job.resourceName || job.resourceDisplayName}`;
  replace(
    box,
    h(
      'div',
      { class: 'job-head' },
      h('strong', null, title),
      h('span', { class: 'job-state' }, state === 'failed' ? 'Failed' : state === 'done' ? 'Done' : `${percent}%`),
    ),
    h('progress', { max: 100, value: state === 'done' ? 100 : percent, 'aria-label': `${title} progress` }),
    h('div', { class: 'job-message', role: 'status' }, [job.stage, job.message].filter(Boolean).join(' — ')),
    job.hasFailed ? h('div', { class: 'notice error', role: 'alert' }, job.errorMessage || 'The job failed.') : null,
    pollError ? h('div', { class: 'hint' }, pollError) : null,
    job.attempts.length > 0
      ? h(
          'details',
          { class: 'attempts' },
          h('summary', null, `Placement attempts (${job.attempts.length})`),
          h(
            'ul',
            null,
            job.attempts.map((a) =>
              h(
                'li',
                null,
                `${providerName(a.provider)} · ${a.datacenterName} · ${a.skuCode} · ${pricePerHour(a.pricePerHour)} → `,
                h('strong', null, a.outcome),
                a.reason ? ` (${a.reason})` : null,
              ),
            ),
          ),
        )
      : null,
  );
}

function verb(operation: string): string {
  const verbs: Record<string, string> = {
    create: 'Creating',
    start: 'Starting',
    stop: 'Stopping',
    restart: 'Restarting',
    delete: 'Deleting',
  };
  return verbs[operation] ?? operation;
}
