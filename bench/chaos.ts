/**
 * `npm run chaos`: gpufleet's fault campaign, kept with the project. Starts the simulated clouds (their own
 * process) and gpufleet (a `gpufleet serve` child, or two replicas on one PostgreSQL database with `--pg`),
 * then runs cycles of creates, stops, starts and deletes, killing a server with SIGKILL at a random point of
 * each and starting it again, and injecting each simulator fault mode in turn. At the end it compares what the
 * clouds hold with what gpufleet knows (orders whose answer the kill lost are found by their names), deletes
 * every VM and checks the clouds are left empty, and prints: VMs ordered, leaked, duplicated, stuck, the
 * longest time from a restart (the process starting again included) to a correct state (target < 10 s),
 * and from a fault's end, polled every 250 ms with 2 s per request. It exits non-zero when anything leaked,
 * was duplicated or stuck, or a restart took 10 s or more to recover from.
 *
 *   npm run chaos -- [--cycles 50] [--seed 1] [--pg]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const CYCLES = Number(flag('cycles', '50'));
const usePg = args.includes('--pg');
const PG_URL = process.env.GPUFLEET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SETTLE_MS = Number(flag('settle-ms', '90000'));
let seed = Number(flag('seed', '1'));
/** Deterministic for a seed (mulberry32), so a run that found something can be repeated. */
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stdout.write(`${line}\n`);
const ROOT = join(import.meta.dirname, '..');
// Replicas share one store, so they share the key that seals the provider credentials in it.
const SECRET_KEY = randomBytes(32).toString('base64');
const ADMIN_KEY = `gf_chaos_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

// --- the clouds -------------------------------------------------------------------------------------------
const simProcess = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'chaos-sims.ts')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const simInfo = await new Promise<{
  controlUrl: string;
  clouds: Record<
    string,
    { baseUrl: string; account: { credentials: Record<string, string>; settings: Record<string, unknown> } }
  >;
}>((resolve, reject) => {
  let buffered = '';
  simProcess.stdout?.on('data', (chunk) => {
    buffered += chunk;
    if (buffered.includes('\n')) resolve(JSON.parse(buffered.slice(0, buffered.indexOf('\n'))));
  });
  simProcess.on('exit', (code) => reject(new Error(`simulators exited ${code}`)));
});
const PROVIDERS = Object.keys(simInfo.clouds);
// Whatever ends this run, nothing it started is left running (the servers would answer the next run).
process.on('exit', () => {
  for (const replica of replicas) replica.child?.kill('SIGKILL');
  simProcess.kill('SIGTERM');
});
const sim = async (provider: string, method: string, ...callArgs: unknown[]): Promise<unknown> => {
  const res = await fetch(`${simInfo.controlUrl}/${provider}/${method}`, { method: 'POST', body: JSON.stringify(callArgs) });
  if (!res.ok) throw new Error(await res.text());
  return res.json();
};
const live = async () => (await (await fetch(`${simInfo.controlUrl}/live`)).json()) as Record<string, string[]>;

// --- gpufleet -----------------------------------------------------------------------------------------------
let databaseUrl: string | null = null;
let dropDatabase = async () => {};
if (usePg) {
  const name = `gpufleet_chaos_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  databaseUrl = PG_URL.replace(/\/[^/]*$/, `/${name}`);
  dropDatabase = async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
}

// Interrupted (Ctrl-C): the exit handler stops what this run started, and its database goes too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void dropDatabase()
      .catch(() => undefined)
      .finally(() => process.exit(130));
  });
}

interface Replica {
  port: number;
  dataDir: string;
  child: ChildProcess | null;
}
const basePort = Number(flag('port', '7190'));
const replicas: Replica[] = Array.from({ length: usePg ? 2 : 1 }, (_, i) => ({
  port: basePort + i,
  dataDir: mkdtempSync(join(tmpdir(), `gpufleet-chaos-${i}-`)),
  child: null,
}));

async function healthy(replica: Replica): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${replica.port}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

const logFile = (replica: Replica) => openSync(join(replica.dataDir, 'server.log'), 'a');

async function start(replica: Replica): Promise<void> {
  const output = logFile(replica);
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'gpufleet.js'), 'serve'], {
    env: {
      ...process.env,
      PORT: String(replica.port),
      HOST: '127.0.0.1',
      GPUFLEET_DATA_DIR: replica.dataDir,
      GPUFLEET_MODE: 'production',
      GPUFLEET_ADMIN_KEY: ADMIN_KEY,
      GPUFLEET_SECRET_KEY: SECRET_KEY,
      GPUFLEET_RATE_LIMIT_PER_MINUTE: '1000000',
      // CHAOS_LOG_LEVEL=info puts the job steps in the server logs, to explain a slow recovery.
      GPUFLEET_LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    // Every start appends to one log per replica, to explain a slow recovery afterwards.
    stdio: ['ignore', output, output],
  });
  closeSync(output);
  replica.child = child;
  const deadline = Date.now() + 60_000;
  while (!(await healthy(replica))) {
    if (child.exitCode !== null) throw new Error(`gpufleet on port ${replica.port} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`gpufleet on port ${replica.port} did not start`);
    await sleep(100);
  }
}

function kill9(replica: Replica): void {
  replica.child?.kill('SIGKILL');
  replica.child = null;
}

/** Status polls give up on a request after this: a hung one must not count as seconds of recovery. */
const POLL_TIMEOUT_MS = 2_000;
const POLL_EVERY_MS = 250;

async function call(method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<{ status: number; body: any }> {
  // Any replica that is up answers: that is what a load balancer does.
  for (const replica of [...replicas].sort(() => random() - 0.5)) {
    if (!replica.child) continue;
    try {
      const res = await fetch(`http://127.0.0.1:${replica.port}${path}`, {
        method,
        headers: { 'x-api-key': ADMIN_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    } catch {}
  }
  return { status: 0, body: null };
}

const started = Date.now();
for (const replica of replicas) await start(replica);
for (const [provider, cloud] of Object.entries(simInfo.clouds)) {
  const res = await call('POST', '/v1/provider-accounts', {
    provider,
    name: `${provider} chaos`,
    baseUrl: cloud.baseUrl,
    credentials: cloud.account.credentials,
    settings: cloud.account.settings,
  });
  if (res.status !== 201) throw new Error(`adding the ${provider} account: ${res.status} ${JSON.stringify(res.body)}`);
}
const key = await call('POST', '/v1/resource/ssh-keys/generate', { name: 'chaos', algorithm: 'ed25519' });
const sshKeyId = key.body?.data?.id ?? key.body?.data?.sshKey?.id;
if (!sshKeyId) throw new Error(`generating an SSH key: ${key.status} ${JSON.stringify(key.body)}`);
const series = (await call('GET', '/v1/resource/gpu/series')).body.data as { id: string; code: string }[];

// --- the cycles ---------------------------------------------------------------------------------------------
/** `Error`: an operation ended in Error; the VM takes no further part until the clean-up deletes it. */
type Want = 'Running' | 'Stopped' | 'Destroyed' | 'Error';
/** A VM in the state asked for (one wanted in Error may have been put right since). */
const inWantedState = (status: string | null, want: Want | undefined) =>
  status === want ||
  (status === 'Error' && want !== 'Destroyed') ||
  (want === 'Error' && (status === 'Running' || status === 'Stopped' || status === 'Destroyed'));
const vms = new Map<string, { want: Want; provider: string }>();
const FAULTS = [
  'outage',
  '5xx burst',
  'timeouts',
  '429 Retry-After',
  'token expiry',
  'capacity loss mid-order',
  'malformed replies',
  'preemption',
  'unknown status',
] as const;
const faultsSeen = new Map<string, number>();
let ordered = 0;
let refused = 0;
/** Why orders were refused: 503 GPU_PROVIDER_UNAVAILABLE during an outage is the answer GPCN documents. */
const refusedBecause = new Map<string, number>();
/** The longest recovery from a fault's end (cycles with a fault), and which. */
let longestRecoveryMs = 0;
let longestRecoveryWhat = '';
/** Fault cycles that took longer than the target, to say which: the target is for restarts (see the README). */
const slowAfterFault: string[] = [];
/** The longest recovery of a cycle without a fault: the kill and restart alone. */
let longestKillOnlyMs = 0;
const noteRecovery = (took: number, what: string) => {
  if (!what.includes(' + ')) {
    longestKillOnlyMs = Math.max(longestKillOnlyMs, took);
    return;
  }
  if (took >= RECOVERY_TARGET_MS) slowAfterFault.push(`${what} ${(took / 1000).toFixed(1)} s`);
  if (took > longestRecoveryMs) {
    longestRecoveryMs = took;
    longestRecoveryWhat = what;
  }
};
const pending: { id: string; since: number; what: string }[] = [];

async function statusOf(id: string): Promise<string | null> {
  const res = await call('GET', `/v1/resource/gpu/${id}`, undefined, POLL_TIMEOUT_MS);
  if (res.status === 404) return 'Destroyed';
  return res.body?.data?.status ?? null;
}

/** Every name an order was sent under, answered or not: an order whose answer the kill lost is found by it later. */
const orderNames = new Map<string, string>();
let lostAnswers = 0;

async function order(provider: string): Promise<string | null> {
  const name = `chaos-${orderNames.size + 1}`;
  orderNames.set(name, provider);
  const codes = new Set<string>();
  for (const s of [...series].sort(() => random() - 0.5)) {
    const res = await call('POST', '/v1/resource/gpu', {
      name,
      seriesId: s.id,
      gpuCount: 1,
      sshKeyId,
      constraints: { providers: [provider], spot: 'allow' },
    });
    if (res.status === 202) {
      ordered++;
      const id = res.body.data.vm?.id ?? res.body.data.id ?? res.body.data.vmId;
      vms.set(id, { want: 'Running', provider });
      return id;
    }
    if (res.status === 0) {
      lostAnswers++;
      return null;
    }
    codes.add(String(res.body?.error ?? res.status));
  }
  refused++;
  // Most series have no offer at this provider; an unavailable provider is the reason worth telling.
  const why = codes.has('GPU_PROVIDER_UNAVAILABLE') ? 'GPU_PROVIDER_UNAVAILABLE' : ([...codes].pop() ?? 'none');
  refusedBecause.set(why, (refusedBecause.get(why) ?? 0) + 1);
  return null;
}

async function inject(fault: (typeof FAULTS)[number], provider: string, vmId: string | null): Promise<() => Promise<void>> {
  faultsSeen.set(fault, (faultsSeen.get(fault) ?? 0) + 1);
  const instance = vmId ? (await call('GET', `/v1/resource/gpu/${vmId}`)).body?.data?.providerInstanceId : null;
  switch (fault) {
    case 'outage':
      await sim(provider, 'setFaults', { errorRate: 1 });
      break;
    case '5xx burst':
      await sim(provider, 'setFaults', { errorRate: 0.5 });
      break;
    case 'timeouts':
      await sim(provider, 'setFaults', { latencyMs: 40_000 });
      break;
    case '429 Retry-After':
      await sim(provider, 'rateLimitNext', 5, 2);
      break;
    case 'token expiry':
      await sim(provider, 'expireTokens');
      break;
    case 'capacity loss mid-order':
      await sim(provider, 'setCapacity', false);
      break;
    case 'malformed replies':
      await sim(provider, 'malformNext', 3);
      break;
    case 'preemption':
      // An instance the cycle's own operation already removed cannot be preempted: nothing to inject then.
      if (
        instance &&
        vmId &&
        (await sim(provider, 'preempt', instance).then(
          () => true,
          () => false,
        ))
      )
        // RunPod takes the GPUs back and leaves the pod exited (Stopped); the other clouds end the instance.
        vms.set(vmId, { want: provider === 'runpod' ? 'Stopped' : 'Destroyed', provider });
      break;
    case 'unknown status':
      if (instance) await sim(provider, 'setRawStatus', instance, 'chaos_unheard_of').catch(() => {});
      break;
  }
  return async () => {
    // Injected 429s and wrong shapes end when the last one has been served, not when the clock says so.
    if (fault === '429 Retry-After' || fault === 'malformed replies') {
      const until = Date.now() + 60_000;
      for (;;) {
        const pending = (await sim(provider, 'pendingFaults')) as { rateLimited: number; malformed: number };
        if ((pending.rateLimited === 0 && pending.malformed === 0) || Date.now() > until) break;
        await sleep(50);
      }
    }
    await sim(provider, 'setFaults', { errorRate: 0, latencyMs: 0 });
    await sim(provider, 'setCapacity', true);
    if (instance) await sim(provider, 'setRawStatus', instance, null).catch(() => {});
  };
}

const RECOVERY_TARGET_MS = 10_000;

async function explain(id: string): Promise<void> {
  const vm = (await call('GET', `/v1/resource/gpu/${id}?includeDeleted=true`)).body?.data;
  log(`        ${vm?.status ?? '?'} (reason ${vm?.statusReason ?? 'none'}), wanted ${vms.get(id)?.want}`);
  const history = ((await call('GET', `/v1/resource/gpu/${id}/history`)).body?.data ?? []) as {
    at: string;
    kind: string;
    message: string;
  }[];
  for (const entry of history.slice(-5)) log(`        ${entry.at.slice(11, 23)} ${entry.kind}: ${entry.message}`);
}

/** Waits until the VM is in the state asked for; the time it took is a recovery. */
async function settled(id: string, since: number, what: string, budgetMs: number): Promise<number | null> {
  const want = vms.get(id)?.want;
  const deadline = Date.now() + budgetMs;
  while (Date.now() < deadline) {
    const status = await statusOf(id);
    if (inWantedState(status, want)) {
      if (status === 'Error') vms.set(id, { want: 'Error', provider: vms.get(id)?.provider ?? '' });
      const took = Date.now() - since;
      noteRecovery(took, what);
      return took;
    }
    await sleep(POLL_EVERY_MS);
  }
  pending.push({ id, since, what });
  return null;
}

log(`chaos: ${CYCLES} cycles, ${replicas.length} replica(s) on ${usePg ? 'PostgreSQL' : 'SQLite'}, seed ${flag('seed', '1')}`);
for (let cycle = 1; cycle <= CYCLES; cycle++) {
  const provider = pick(PROVIDERS);
  const mine = [...vms.entries()].filter(([, v]) => v.provider === provider && v.want !== 'Destroyed' && v.want !== 'Error');
  const action = mine.length < 2 ? 'create' : pick(['create', 'stop', 'start', 'delete'] as const);
  const fault = cycle % 2 === 0 ? FAULTS[(cycle / 2 - 1) % FAULTS.length] : null;
  let target: string | null = null;
  let clear: (() => Promise<void>) | null = null;
  if (fault && action !== 'create' && mine.length) target = pick(mine)[0];
  if (fault && !['preemption', 'unknown status'].includes(fault)) clear = await inject(fault, provider, null);

  // The operation, and a SIGKILL somewhere between 0 and 1.5 s into it.
  const victim = pick(replicas);
  const killAfter = Math.floor(random() * 1_500);
  const killer = sleep(killAfter).then(() => kill9(victim));
  let retryAction: (() => Promise<void>) | null = null;
  if (action === 'create') target = await order(provider);
  else {
    target ??= pick(mine)[0];
    const id = target;
    const path = action === 'delete' ? `/v1/resource/gpu/${id}` : `/v1/resource/gpu/${id}/${action}`;
    const method = action === 'delete' ? 'DELETE' : 'POST';
    const want: Want = action === 'delete' ? 'Destroyed' : action === 'stop' ? 'Stopped' : 'Running';
    const res = await call(method, path);
    if (res.status >= 200 && res.status < 300) vms.set(id, { want, provider: vms.get(id)?.provider ?? provider });
    // The kill took the answer: the action may or may not have been taken. A client sends it again; a 409 then
    // means the first one was (the VM is already on its way).
    if (res.status === 0)
      retryAction = async () => {
        const again = await call(method, path);
        if ((again.status >= 200 && again.status < 300) || again.status === 409 || (action === 'delete' && again.status === 404))
          vms.set(id, { want, provider: vms.get(id)?.provider ?? provider });
      };
  }
  await killer;
  // A fault lasts a couple of seconds, across the restart.
  const restarted = Date.now();
  await start(victim);
  const restartMs = Date.now() - restarted;
  await retryAction?.();
  // Faults on an instance need its id, asked of the restarted server.
  if (fault && ['preemption', 'unknown status'].includes(fault) && target) clear = await inject(fault, provider, target);
  if (clear) {
    await sleep(2_000);
    await clear();
  }
  // Recovery counts from the restart (the process coming back is part of it), or from the fault's end if later.
  const since = clear ? Date.now() : restarted;
  const took = target ? await settled(target, since, `${action}${fault ? ` + ${fault}` : ''}`, 30_000) : 0;
  const outcome = !target ? 'order answer lost' : took === null ? 'not yet settled' : `settled in ${(took / 1000).toFixed(1)} s`;
  log(
    `  ${String(cycle).padStart(3)} ${action.padEnd(6)} ${provider.padEnd(10)} ${(fault ?? '-').padEnd(24)} killed at ${String(killAfter).padStart(4)} ms, back in ${restartMs} ms, ${outcome}`,
  );
  // A slow or unsettled cycle says why: the VM's state and the last entries of its history.
  if (target && (took === null || took >= RECOVERY_TARGET_MS)) await explain(target);
}

// --- the verdict --------------------------------------------------------------------------------------------
// Orders whose answer the kill lost: gpufleet may have taken them. Found by their names, they are VMs like
// the others (wanted Running, or Error); their instances count as known, and they are deleted at the end.
const allVms: { id: string; name: string; status: string; providerInstanceId: string | null; provider: string | null }[] = [];
for (let page = 1; ; page++) {
  const res = await call('GET', `/v1/resource/gpu?limit=100&page=${page}&includeDeleted=true`);
  allVms.push(...(res.body?.data ?? []));
  if (!res.body?.meta?.hasNextPage) break;
}
let foundByName = 0;
for (const vm of allVms) {
  const provider = orderNames.get(vm.name);
  if (!provider || vms.has(vm.id)) continue;
  foundByName++;
  vms.set(vm.id, { want: 'Running', provider: vm.provider ?? provider });
}

log('waiting for every VM to reach the state asked for ...');
const settleDeadline = Date.now() + SETTLE_MS;
let stuck: string[] = [];
for (;;) {
  stuck = [];
  for (const [id, v] of vms) {
    const status = await statusOf(id);
    if (!inWantedState(status, v.want)) stuck.push(`${id} ${status} (wanted ${v.want})`);
  }
  if (stuck.length === 0 || Date.now() > settleDeadline) break;
  await sleep(1_000);
}
for (const p of pending) {
  if (!stuck.some((s) => s.startsWith(p.id))) {
    // It got there, only later than its cycle waited: still a recovery, measured to now at most.
    noteRecovery(Date.now() - p.since, `${p.what} (settled during the final wait)`);
  }
}

const atClouds = await live();
const known = new Map<string, string>();
for (const [id, v] of vms) {
  const vm = (await call('GET', `/v1/resource/gpu/${id}?includeDeleted=true`)).body?.data;
  if (vm?.providerInstanceId && vm.status !== 'Destroyed') known.set(`${v.provider}:${vm.providerInstanceId}`, vm.name);
}
const names = new Set<string>(allVms.map((vm) => vm.name));
const unmanaged = ((await call('GET', '/v1/provider-accounts/unmanaged-instances')).body?.data ?? []) as {
  providerInstanceId: string;
  name: string;
}[];
const unknownAtCloud: string[] = [];
const duplicated: string[] = [];
for (const [provider, ids] of Object.entries(atClouds)) {
  for (const id of ids) {
    if (known.has(`${provider}:${id}`)) continue;
    const seen = unmanaged.find((u) => u.providerInstanceId === id);
    // A second instance carrying a known VM's name is a duplicate create; anything else is a leak.
    if (seen && [...names].some((n) => seen.name.includes(n))) duplicated.push(`${provider}:${id}`);
    else unknownAtCloud.push(`${provider}:${id}`);
  }
}
const liveSet = new Set(Object.entries(atClouds).flatMap(([p, ids]) => ids.map((id) => `${p}:${id}`)));
const goneButKnown = [...known.keys()].filter((k) => !liveSet.has(k));

// --- the clean-up: every VM deleted (those in Error too) must leave nothing at any cloud -------------------------
log('deleting every VM ...');
const toDelete = [...new Set([...vms.keys(), ...allVms.map((vm) => vm.id)])];
for (const id of toDelete) {
  if ((await statusOf(id)) === 'Destroyed') continue;
  const res = await call('DELETE', `/v1/resource/gpu/${id}`);
  if (res.status >= 300 && res.status !== 404) log(`  delete ${id}: ${res.status} ${JSON.stringify(res.body)}`);
}
const deleteDeadline = Date.now() + SETTLE_MS;
let notDestroyed: string[] = [];
for (;;) {
  notDestroyed = [];
  for (const id of toDelete) {
    const status = await statusOf(id);
    if (status !== 'Destroyed') notDestroyed.push(`${id} ${status}`);
  }
  if (notDestroyed.length === 0 || Date.now() > deleteDeadline) break;
  await sleep(1_000);
}
const leftAtClouds = Object.entries(await live()).flatMap(([provider, ids]) => ids.map((id) => `${provider}:${id}`));

const row = (what: string, value: string, target: string) =>
  log(`| ${what.padEnd(44)} | ${value.padEnd(30)} | ${target.padEnd(8)} |`);
log('');
log(`| ${'measure'.padEnd(44)} | ${'result'.padEnd(30)} | target   |`);
log(`|${'-'.repeat(46)}|${'-'.repeat(32)}|----------|`);
row('kill -9 cycles', String(CYCLES), '≥ 50');
row('fault modes injected', `${faultsSeen.size} of ${FAULTS.length}`, 'all');
row('VMs ordered (202)', `${ordered} (${refused} orders refused)`, '—');
for (const [why, count] of refusedBecause) row(`  refused: ${why}`, String(count), '—');
row('orders whose answer was lost', `${lostAnswers} (${foundByName} found by name)`, '—');
row('leaked: at a cloud but unknown', String(unknownAtCloud.length), '0');
row('leaked: known but gone at the cloud', String(goneButKnown.length), '0');
row('duplicated', String(duplicated.length), '0');
row('stuck (not in the state asked for)', String(stuck.length), '0');
row('not Destroyed after deleting every VM', String(notDestroyed.length), '0');
row('left at a cloud after deleting every VM', String(leftAtClouds.length), '0');
row('longest recovery after a kill -9 and restart', `${(longestKillOnlyMs / 1000).toFixed(1)} s`, '< 10 s');
row('longest recovery after a fault ended', `${(longestRecoveryMs / 1000).toFixed(1)} s (${longestRecoveryWhat})`, '—');
row(`  fault cycles over ${RECOVERY_TARGET_MS / 1000} s`, String(slowAfterFault.length), '—');
for (const s of slowAfterFault) log(`    ${s}`);
log(`run took ${Math.round((Date.now() - started) / 1000)} s`);
log(`server logs: ${replicas.map((r) => join(r.dataDir, 'server.log')).join(', ')}`);
for (const s of stuck) log(`  stuck: ${s}`);
for (const s of unknownAtCloud) log(`  leaked (unknown): ${s}`);
for (const s of goneButKnown) log(`  leaked (gone): ${s}`);
for (const s of duplicated) log(`  duplicated: ${s}`);
for (const s of notDestroyed) log(`  not destroyed: ${s}`);
for (const s of leftAtClouds) log(`  left at a cloud: ${s}`);

for (const replica of replicas) kill9(replica);
simProcess.kill('SIGTERM');
await dropDatabase();
const failed =
  unknownAtCloud.length + goneButKnown.length + duplicated.length + stuck.length + notDestroyed.length + leftAtClouds.length >
    0 || longestKillOnlyMs >= RECOVERY_TARGET_MS;
process.exit(failed ? 1 : 0);
