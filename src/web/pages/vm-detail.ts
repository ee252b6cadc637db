import type { GpuVmDetails, Job, VmEvent } from '../../contract/gpu-vm.ts';
import type { VolumeOption } from '../../contract/volumes.ts';
import { ApiError, jobsFrom } from '../api.ts';
import { h, replace } from '../components/dom.ts';
import { jobProgress } from '../components/job.ts';
import { concernsVm, liveRefresh } from '../components/live-events.ts';
import { describeError, emptyState, errorNotice, loading, notice } from '../components/notice.ts';
import { staleSign, statusBadge } from '../components/status.ts';
import { dataTable } from '../components/table.ts';
import {
  billingCard,
  connectionCard,
  type LiveFields,
  machineCard,
  placementCard,
  workloadCard,
} from '../components/vm-sections.ts';
import { dateTime } from '../format.ts';
import type { Page, PageContext } from '../page.ts';
import { actionBar } from './vm-actions.ts';
import { volumesCard } from './vm-volumes.ts';

const POLL_MS = 3000;
/** While events arrive, a slow refresh only moves the accrued cost and the sync time on. */
const LIVE_REFRESH_MS = 15_000;

/** One VM: every field that matters, its history, its actions and the progress of running jobs. */
export const vmDetailPage: Page = (ctx) => {
  const id = ctx.params.id ?? '';
  ctx.setTitle('GPU VM');
  let vm: GpuVmDetails | null = null;
  let shapeKey = '';
  let historyKey = '';
  let errorKey = '';
  const running = new Set<string>();
  const live: LiveFields = { accrued: h('span'), synced: h('span') };
  // Where volumes can be created, and what they can do there; loaded once (again only after a failure).
  let volumeOptions: VolumeOption[] | null = null;
  let volumeOptionsError: unknown = null;

  const title = h('h1', null, 'GPU VM');
  const badge = h('span');
  const messages = h('div', { class: 'messages', 'aria-live': 'polite' }, ctx.flash ? notice('success', ctx.flash) : null);
  const jobs = h('div', { class: 'jobs' });
  const errors = h('div', { 'aria-live': 'polite' });
  const sections = h('div', { class: 'cards' }, loading('Loading the VM…'));
  const history = h('div');

  const actions = actionBar({
    api: ctx.api,
    vm: () => vm,
    busy: () => running.size > 0,
    follow: (job) => follow(job),
    say: (node) => messages.replaceChildren(node),
    refresh: () => poller.now(),
  });

  ctx.root.append(
    h('p', { class: 'crumbs' }, h('a', { href: '/vms', class: 'back-link' }, '← All VMs')),
    h('div', { class: 'page-head' }, h('div', { class: 'title-row' }, title, badge), actions.element),
    messages,
    jobs,
    errors,
    sections,
    h('section', { class: 'card', 'aria-label': 'History' }, h('h2', null, 'History'), history),
  );
  actions.update();

  const follow = (job: Job) => {
    if (running.has(job.jobId)) return;
    running.add(job.jobId);
    actions.update();
    const panel = jobProgress(ctx.api, job, ctx.signal, ctx.live, (done) => {
      running.delete(done.jobId);
      if (ctx.query.get('job') === done.jobId) window.history.replaceState(null, '', `/vms/${id}`);
      if (done.operation === 'delete' && done.isCompleted && !done.hasFailed) {
        ctx.navigate('/vms', { flash: `${done.resourceName || vm?.name || 'The VM'} was deleted.` });
        return;
      }
      actions.update();
      poller.now();
    });
    jobs.replaceChildren(panel);
  };

  const load = async () => {
    try {
      const [vmResult, historyResult] = await Promise.all([
        ctx.api.get<GpuVmDetails>(`/v1/resource/gpu/${encodeURIComponent(id)}`, undefined, ctx.signal),
        ctx.api
          .get<VmEvent[]>(`/v1/resource/gpu/${encodeURIComponent(id)}/history`, undefined, ctx.signal)
          .catch((err: unknown) => err),
      ]);
      if (volumeOptions === null) {
        try {
          volumeOptions = (await ctx.api.get<VolumeOption[]>('/v1/resource/volumes/options', undefined, ctx.signal)).data ?? [];
          volumeOptionsError = null;
        } catch (err) {
          volumeOptionsError = err;
        }
      }
      if (ctx.signal.aborted) return;
      errorKey = '';
      errors.replaceChildren();
      show(vmResult.data);
      showHistory(historyResult);
    } catch (err) {
      if (ctx.signal.aborted) return;
      const info = describeError(err);
      if (`${info.code}:${info.message}` === errorKey) return;
      errorKey = `${info.code}:${info.message}`;
      if (vm === null) {
        // Nothing to show but the error: a wrong id in the address bar, a VM that does not exist.
        replace(
          sections,
          errorNotice(err, { title: err instanceof ApiError && err.status === 404 ? 'VM not found' : 'Could not load the VM' }),
        );
      } else {
        errors.replaceChildren(errorNotice(err, { title: 'Could not refresh the VM', retry: () => poller.now() }));
      }
    }
  };

  const show = (next: GpuVmDetails) => {
    vm = next;
    title.textContent = next.name;
    ctx.setTitle(next.name);
    replace(
      badge,
      statusBadge(next.status),
      next.statusReason ? h('span', { class: 'muted reason' }, next.statusReason) : null,
      staleSign(next),
    );
    actions.update();
    // Accrued cost and sync time move on every poll; the cards are rebuilt only when something else changed.
    const option = volumeOptions?.find((o) => o.datacenter.id === next.datacenter.id) ?? null;
    const key = JSON.stringify({
      ...next,
      accruedCost: null,
      syncedAt: null,
      updatedAt: null,
      volumeOption: option,
      volumeOptionsFailed: volumeOptionsError !== null,
    });
    if (key === shapeKey) {
      billingCard(next, live);
      placementCard(next, live);
      return;
    }
    shapeKey = key;
    replace(
      sections,
      next.deletedAt
        ? notice('info', `This VM was destroyed on ${dateTime(next.deletedAt)}. Its record is kept for history and costs.`)
        : null,
      connectionCard(next),
      workloadCard(next),
      volumesCard({ api: ctx.api, say: (node) => messages.replaceChildren(node), refresh: () => poller.now() }, next, {
        option,
        error: volumeOptionsError,
      }),
      billingCard(next, live),
      machineCard(next),
      placementCard(next, live),
    );
  };

  const showHistory = (result: unknown) => {
    if (result instanceof Error) {
      replace(history, errorNotice(result, { title: 'Could not load the history' }));
      historyKey = '';
      return;
    }
    const events = ((result as { data: VmEvent[] | null }).data ?? []).slice();
    const key = JSON.stringify(events);
    if (key === historyKey) return;
    historyKey = key;
    replace(
      history,
      events.length === 0
        ? emptyState('No events yet.')
        : dataTable(
            [
              { header: 'When', cell: (e: VmEvent) => dateTime(e.at) },
              { header: 'Event', cell: (e: VmEvent) => h('code', { class: 'mono' }, e.kind) },
              { header: 'Details', cell: (e: VmEvent) => e.message },
            ],
            events,
            { caption: 'VM history' },
          ),
    );
  };

  const poller = liveRefresh(ctx.live, {
    refresh: load,
    concerns: (event) => concernsVm(event, id),
    pollMs: POLL_MS,
    liveMs: LIVE_REFRESH_MS,
    signal: ctx.signal,
  });
  const jobId = ctx.query.get('job');
  if (jobId) void resumeJob(ctx, jobId, follow, (node) => messages.append(node));
};

/** The order page hands over its create job in `?job=`: pick it up so the progress is visible here. */
async function resumeJob(ctx: PageContext, jobId: string, follow: (job: Job) => void, say: (node: HTMLElement) => void) {
  try {
    const { data } = await ctx.api.post<unknown>('/v1/resource/jobs', { jobIds: [jobId] });
    const [job] = jobsFrom(data);
    if (job && !ctx.signal.aborted) follow(job);
  } catch (err) {
    if (!ctx.signal.aborted) say(errorNotice(err, { title: 'Could not follow the job' }));
  }
}
