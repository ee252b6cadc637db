/**
 * gpufleet's serving benchmark (`npm run bench`). Seeds 1,000 VMs across three provider accounts (one per
 * simulated cloud), then loads the two hottest reads at 50 concurrent connections from a separate process:
 *   GET /v1/resource/gpu?limit=100   and   GET /v1/resource/gpu/{id}
 * and prints req/s, p50/p99, the provider calls made during each run, RSS, and the same payload served by a
 * bare Fastify route in the same run (the ratio shows what gpufleet's own work costs). Then it times the
 * placement decision over the whole catalog, measures what keeping the inventory fresh costs in provider
 * calls per minute, and times `gpufleet --version` and `gpufleet gpu ls --json` against the seeded server
 * (see cli.ts). Targets are printed beside the figures; nothing here asserts. Every child process (the
 * simulators, the load generators) ends with the bench, however it ends (see children.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as inspector from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { createApp, ephemeralSecretKey } from '../src/app.ts';
import { silentLogger } from '../src/logger.ts';
import { fluidstack } from '../src/providers/fluidstack/index.ts';
import { runpod } from '../src/providers/runpod/index.ts';
import { verda } from '../src/providers/verda/index.ts';
import { openStore } from '../src/store/database.ts';
import { endWithParent, spawnChild } from './children.ts';
import { describeCli, measureCli } from './cli.ts';

// When this is one size of a multi-size run: gone with the parent run, like the other children.
endWithParent();

/** `--vms 1000,10000` or `BENCH_VMS=1000,10000`: each size runs in its own process, one table row each. */
function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const SIZES = (option('vms') ?? process.env.BENCH_VMS ?? '1000').split(',').map((v) => Number(v.trim()));
const JSON_OUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
const STORE = option('store') ?? process.env.BENCH_STORE ?? 'sqlite';
const ROW_MARK = 'BENCH_ROW ';

if (SIZES.length > 1 || JSON_OUT) await runSizes();
const VMS = SIZES[0] ?? 1_000;
const CONNECTIONS = 50;
const DURATION_SEC = Number(process.env.BENCH_SECONDS ?? 10);
const ADMIN_KEY = 'gf_bench_admin_key_000000000000';

type LoadResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
};

function load(url: string, paths: string[], headers: Record<string, string>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // The job goes through a file: 10,000 paths are more than a command line may carry.
    const jobFile = join(dir, `load-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(jobFile, JSON.stringify({ url, paths, headers, connections: CONNECTIONS, durationSec: DURATION_SEC }));
    const child = spawnChild(['--import', 'tsx', join(import.meta.dirname, 'load.ts'), jobFile]);
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), 'gpufleet-bench-'));
const log = (line: string) => process.stdout.write(`${line}\n`);

// The three simulated clouds run in a child process (see sims.ts).
const simProcess = spawnChild(['--import', 'tsx', join(import.meta.dirname, 'sims.ts')]);
const simInfo = await new Promise<
  Record<string, { baseUrl: string; account: { credentials: Record<string, string>; settings: Record<string, unknown> } }>
>((resolve, reject) => {
  let buffered = '';
  simProcess.stdout?.on('data', (chunk) => {
    buffered += chunk;
    if (buffered.includes('\n')) resolve(JSON.parse(buffered.slice(0, buffered.indexOf('\n'))));
  });
  simProcess.on('exit', (code) => reject(new Error(`simulators exited ${code}`)));
});
const sims = [verda, runpod, fluidstack].map((definition) => ({
  definition,
  sim: simInfo[definition.id] as (typeof simInfo)[string],
}));

let providerCalls = 0;
const rssBeforeSeed = process.memoryUsage().rss;
const seedStarted = performance.now();
const store =
  STORE === 'postgres'
    ? await openStore({
        url: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        pgSchema: `bench_${process.pid}`,
      })
    : await openStore({ url: join(dir, 'bench.db') });
const app = await createApp({
  store,
  secretKey: ephemeralSecretKey(),
  adminKey: ADMIN_KEY,
  mode: 'production',
  logger: silentLogger,
  rateLimitPerMinute: 10_000_000,
  onProviderCall: () => {
    providerCalls++;
  },
});
await app.api.listen({ host: '127.0.0.1', port: 0 });
const address = app.api.server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const headers = { 'X-API-Key': ADMIN_KEY };

log(`seeding ${VMS} VMs across ${sims.length} provider accounts ...`);
const accountIds: string[] = [];
for (const { definition, sim } of sims) {
  const account = await app.services.accounts.create({
    provider: definition.id,
    name: `${definition.id} bench`,
    baseUrl: sim.baseUrl,
    credentials: sim.account.credentials,
    settings: sim.account.settings,
  });
  accountIds.push(account.id);
}
const principal = { apiKeyId: 'bench', name: 'bench', role: 'admin' as const, entityId: '00000000-0000-4000-8000-000000000001' };
const key = await app.services.sshKeys.generate({ name: 'bench', algorithm: 'ed25519' }, principal);

// Seed the way a crash-recovered order looks: the VM row knows its account, the provider holds an instance
// tagged with the VM's id, and the reconciler adopts it on its next list call.
const now = new Date().toISOString();
const vmIds: string[] = [];
let seeded = 0;
for (const [index, accountId] of accountIds.entries()) {
  const { provider } = await app.runtime.pool.get(accountId);
  const offers = (await provider.listOffers()).filter((o) => o.available && !o.spot && o.gpu.count === 1);
  const share = Math.floor(VMS / accountIds.length) + (index < VMS % accountIds.length ? 1 : 0);
  const work = Array.from({ length: share }, (_, i) => i);
  const workers = Array.from({ length: 16 }, async () => {
    for (let i = work.shift(); i !== undefined; i = work.shift()) {
      const offer = offers[i % offers.length];
      if (!offer) throw new Error(`${accountId}: no available offer to seed with`);
      const id = crypto.randomUUID();
      await store.db
        .insertInto('vms')
        .values({
          id,
          name: `bench-${index}-${i}`,
          entity_id: principal.entityId,
          created_by_key_id: null,
          account_id: accountId,
          provider: provider.providerId,
          provider_instance_id: null,
          provider_sku_id: offer.providerSkuId,
          location_code: offer.location.code,
          status: 'Provisioning',
          provider_status: null,
          status_reason: null,
          desired_state: 'running',
          series_id: 'bench',
          series_code: `${offer.gpu.model.toLowerCase()}_series`,
          series_name: `${offer.gpu.model} Series`,
          gpu_count: 1,
          cpu: offer.vcpu,
          ram_gib: offer.ramGiB,
          disk_gb: offer.diskGB,
          sku_id: null,
          sku_code: null,
          datacenter_id: crypto.randomUUID(),
          datacenter_code: offer.location.code,
          datacenter_name: offer.location.name,
          datacenter_region: offer.location.region,
          datacenter_country: offer.location.country,
          datacenter_country_abbr: offer.location.countryAbbr,
          image: 'ubuntu-24.04',
          username: 'root',
          ip: null,
          ip_is_private: 0,
          ssh_port: null,
          jupyter_url: null,
          ssh_key_id: key.id,
          resource_group_id: null,
          spot: 0,
          machine_kind: offer.machineKind,
          price_amount: offer.pricePerHour?.amount ?? null,
          price_currency: offer.pricePerHour?.currency ?? null,
          bills_while_stopped: 0,
          has_stored_credentials: 0,
          stored_private_key_enc: null,
          ttl_at: null,
          ttl_action: null,
          idle_minutes: null,
          idle_action: null,
          idle_since: null,
          created_at: now,
          updated_at: now,
          deleted_at: null,
          synced_at: null,
          version: 1,
        })
        .execute();
      await provider.createInstance({
        gpufleetId: id,
        name: `bench-${i}`,
        providerSkuId: offer.providerSkuId,
        locationCode: offer.location.code,
        gpuCount: 1,
        spot: false,
        image: 'ubuntu-24.04',
        username: null,
        sshPublicKeys: [{ name: key.name, publicKey: key.publicKey, fingerprint: key.fingerprint }],
      });
      vmIds.push(id);
      seeded++;
    }
  });
  await Promise.all(workers);
}
log(`seeded ${seeded} instances; waiting for every VM to be adopted and Running ...`);
for (;;) {
  await Promise.all(accountIds.map((id) => app.runtime.refresher.refresh(id)));
  const running = await store.db
    .selectFrom('vms')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'Running')
    .executeTakeFirst();
  if (Number(running?.n) >= VMS) break;
  await new Promise((r) => setTimeout(r, 500));
}

const seedSeconds = (performance.now() - seedStarted) / 1000;
globalThis.gc?.();
const afterAdoption = process.memoryUsage();

// One status refresh per account with nothing else running: the list call and the reconciliation of its VMs.
const refreshFigures: string[] = [];
const refreshMsPerAccount: Record<string, number> = {};
let refreshCalls = 0;
for (const id of accountIds) {
  const { provider } = await app.runtime.pool.get(id);
  let t = performance.now();
  const instances = await provider.listInstances();
  const listMs = performance.now() - t;
  t = performance.now();
  const callsBefore = providerCalls;
  await app.runtime.refresher.refresh(id);
  refreshCalls += providerCalls - callsBefore;
  refreshMsPerAccount[`${provider.providerId} (${instances.length})`] = Math.round(performance.now() - t);
  refreshFigures.push(
    `${provider.providerId} ${instances.length} instances: list ${listMs.toFixed(0)} ms, with reconciliation ${(performance.now() - t).toFixed(0)} ms`,
  );
}

/**
 * `BENCH_PROFILE=<dir>`: a CPU profile of the server process during each measured run, written as
 * `<dir>/<run>.cpuprofile` (open it in Chrome DevTools), to see where a read's time goes.
 */
async function startProfile(): Promise<{ stop(name: string): Promise<void> } | null> {
  const target = process.env.BENCH_PROFILE;
  if (!target) return null;
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, `${name.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function measure(name: string, paths: string[]) {
  const listCallsBefore = app.runtime.refresher.listCalls;
  const callsBefore = providerCalls;
  const started = Date.now();
  // How long the server's event loop was blocked at worst: what every request in flight waits out.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const profiler = await startProfile();
  const result = await load(url, paths, headers);
  await profiler?.stop(name);
  loopDelay.disable();
  const seconds = (Date.now() - started) / 1000;
  const listCalls = app.runtime.refresher.listCalls - listCallsBefore;
  const intervalSec = app.runtime.refresher.options.slowIntervalMs / 1000;
  const blockedMs = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
  return { name, result, listCalls, providerCalls: providerCalls - callsBefore, seconds, intervalSec, blockedMs };
}

const pages = Array.from({ length: Math.ceil(VMS / 100) }, (_, i) => `/v1/resource/gpu?limit=100&page=${i + 1}`);
const byId = vmIds.map((id) => `/v1/resource/gpu/${id}`);
const list = await measure('GET /v1/resource/gpu?limit=100', pages);
const get = await measure('GET /v1/resource/gpu/{id}', byId);

// The same payloads from a bare Fastify route: what HTTP + JSON alone cost on this machine.
const listPayload = await (await fetch(`${url}${pages[0]}`, { headers })).text();
const getPayload = await (await fetch(`${url}${byId[0]}`, { headers })).text();
const bare = Fastify();
bare.get('/list', async (_req, reply) => reply.type('application/json').send(listPayload));
bare.get('/get', async (_req, reply) => reply.type('application/json').send(getPayload));
await bare.listen({ host: '127.0.0.1', port: 0 });
const bareAddress = bare.server.address();
const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}`;
const bareList = await load(bareUrl, ['/list'], {});
const bareGet = await load(bareUrl, ['/get'], {});
await bare.close();

// The command line against this server: start to exit, as someone at a terminal or a script sees it.
const cli = await measureCli({ url, apiKey: ADMIN_KEY });

// Placement: rank every SKU of the three accounts for an order (provider calls excluded: the cache is warm).
await app.services.catalog.offers({});
const rounds = 200;
const t0 = performance.now();
for (let i = 0; i < rounds; i++)
  await app.services.catalog.offers({ seriesCode: 'h100_series', gpuCount: 8, availableOnly: true, spot: 'allow' });
const placementMs = (performance.now() - t0) / rounds;
const catalogSize = (await app.services.catalog.offers({})).offers.length;

// Inventory freshness: provider calls one offer refresh costs per account, times refreshes per minute.
const before = providerCalls;
for (const id of accountIds) await app.runtime.offers.refresh(id);
const perRefreshAll = providerCalls - before;
const refreshesPerMinute = 60_000 / 30_000;

const rss = process.memoryUsage().rss / 1024 / 1024;
const fmt = (n: number, digits = 1) => n.toFixed(digits);
log('');
log(
  `gpufleet serving benchmark — ${VMS} VMs, ${accountIds.length} provider accounts, ${CONNECTIONS} connections, ${DURATION_SEC} s per run`,
);
for (const [run, bareRun] of [
  [list, bareList],
  [get, bareGet],
] as const) {
  const r = run.result;
  const allowedCalls = accountIds.length * Math.ceil(run.seconds / run.intervalSec);
  log(`${run.name}`);
  log(
    `  ${fmt(r.requests.average, 0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}   (target p99 < 50 ms)`,
  );
  log(
    `  bare Fastify, same payload: ${fmt(bareRun.requests.average, 0)} req/s, p99 ${bareRun.latency.p99} ms → gpufleet serves ${fmt((100 * r.requests.average) / bareRun.requests.average, 0)} % of it   (target ≥ 50 %)`,
  );
  log(`  event loop delay: p99 ${fmt(run.blockedMs.p99)} ms, max ${fmt(run.blockedMs.max)} ms`);
  log(
    `  provider list calls during the run: ${run.listCalls} (${accountIds.length} accounts × ${fmt(run.seconds, 0)} s / ${run.intervalSec} s interval allows ${allowedCalls}); all provider calls: ${run.providerCalls}`,
  );
}
log(
  `payloads: a listing page ${fmt(Buffer.byteLength(listPayload) / 1024, 0)} KB, one VM ${fmt(Buffer.byteLength(getPayload) / 1024, 1)} KB`,
);
log(`status refresh per account, idle: ${refreshFigures.join('; ')}`);
log(`RSS after the runs: ${fmt(rss, 0)} MB   (target < 200 MB)`);
log(`placement decision over ${catalogSize} offers: ${fmt(placementMs, 2)} ms   (target < 5 ms, provider calls excluded)`);
log(
  `keeping the inventory fresh: ${perRefreshAll} provider calls per refresh of all accounts × ${refreshesPerMinute}/min = ${perRefreshAll * refreshesPerMinute} calls/min`,
);
for (const line of describeCli(cli)) log(line);

const ratio = (a: number, b: number) => Math.round((100 * a) / b) / 100;
const row = {
  vms: VMS,
  store: STORE,
  rssMB: Math.round(afterAdoption.rss / 1024 / 1024),
  heapMB: Math.round(afterAdoption.heapUsed / 1024 / 1024),
  bytesPerVm: Math.round((afterAdoption.rss - rssBeforeSeed) / VMS),
  list: {
    rps: Math.round(list.result.requests.average),
    p50: list.result.latency.p50,
    p99: list.result.latency.p99,
    bareRps: Math.round(bareList.requests.average),
    ratio: ratio(list.result.requests.average, bareList.requests.average),
  },
  byId: {
    rps: Math.round(get.result.requests.average),
    p50: get.result.latency.p50,
    p99: get.result.latency.p99,
    bareRps: Math.round(bareGet.requests.average),
    ratio: ratio(get.result.requests.average, bareGet.requests.average),
  },
  eventLoop: {
    p99: Math.round(Math.max(list.blockedMs.p99, get.blockedMs.p99) * 10) / 10,
    max: Math.round(Math.max(list.blockedMs.max, get.blockedMs.max) * 10) / 10,
  },
  refreshMsPerAccount,
  providerCallsPerRefresh: Math.round((refreshCalls / accountIds.length) * 100) / 100,
  placementMs: Math.round(placementMs * 100) / 100,
  seedSeconds: Math.round(seedSeconds * 10) / 10,
  cli: { from: cli.from, nodeMs: Math.round(cli.nodeMs), versionMs: Math.round(cli.versionMs), lsMs: Math.round(cli.lsMs) },
};
log(`${ROW_MARK}${JSON.stringify(row)}`);

await app.close();
if (STORE === 'postgres') await store.db.schema.dropSchema(`bench_${process.pid}`).ifExists().cascade().execute();
await store.close();
simProcess.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

type Row = Record<string, unknown> & {
  vms: number;
  store: string;
  rssMB: number;
  heapMB: number;
  bytesPerVm: number;
  list: { rps: number; p50: number; p99: number; bareRps: number; ratio: number };
  byId: { rps: number; p50: number; p99: number; bareRps: number; ratio: number };
  eventLoop: { p99: number; max: number };
  refreshMsPerAccount: Record<string, number>;
  providerCallsPerRefresh: number;
  placementMs: number;
  seedSeconds: number;
  cli: { from: string; nodeMs: number; versionMs: number; lsMs: number };
};

/** Run every size in a fresh process (no memory carried from one size to the next) and print one row each. */
async function runSizes(): Promise<never> {
  const rows: Row[] = [];
  for (const vms of SIZES) {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawnChild(['--expose-gc', '--import', 'tsx', import.meta.filename, '--store', STORE], {
        env: { ...process.env, BENCH_VMS: String(vms), BENCH_JSON: '0' },
      });
      let text = '';
      child.stdout?.on('data', (d) => {
        text += d;
        if (!JSON_OUT) process.stderr.write(d);
      });
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`bench at ${vms} VMs exited ${code}`))));
    });
    const line = out.split('\n').find((l) => l.startsWith(ROW_MARK));
    if (!line) throw new Error(`bench at ${vms} VMs printed no figures`);
    rows.push(JSON.parse(line.slice(ROW_MARK.length)) as Row);
  }
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ sizes: rows }, null, 2)}\n`);
    process.exit(0);
  }
  const header = [
    'VMs',
    'store',
    'RSS MB',
    'heap MB',
    'B/VM',
    'list rps (×bare)',
    'list p50/p99',
    'by-id rps (×bare)',
    'by-id p50/p99',
    'loop p99/max ms',
    'refresh ms/account',
    'calls/refresh',
    'placement ms',
    'seed s',
    'CLI ms --version / gpu ls (node -e 0)',
  ];
  const lines = rows.map((r) => [
    String(r.vms),
    r.store,
    String(r.rssMB),
    String(r.heapMB),
    String(r.bytesPerVm),
    `${r.list.rps} (${r.list.ratio})`,
    `${r.list.p50}/${r.list.p99}`,
    `${r.byId.rps} (${r.byId.ratio})`,
    `${r.byId.p50}/${r.byId.p99}`,
    `${r.eventLoop.p99}/${r.eventLoop.max}`,
    Object.values(r.refreshMsPerAccount).join(' '),
    String(r.providerCallsPerRefresh),
    String(r.placementMs),
    String(r.seedSeconds),
    `${r.cli.versionMs} / ${r.cli.lsMs} (${r.cli.nodeMs})`,
  ]);
  process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const l of lines) process.stdout.write(`| ${l.join(' | ')} |\n`);
  process.exit(0);
}
