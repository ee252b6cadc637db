import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { type Command, Option } from 'commander';
import type { Offer } from '../../contract/catalog.ts';
import type { GpuVmDetails, Job, PlacementAttempt } from '../../contract/gpu-vm.ts';
import type { OrderInput } from '../../contract/gpu-vm-requests.ts';
import type { SshKey } from '../../contract/ssh-keys.ts';
import { type CommandContext, contextFor } from '../context.ts';
import { operationFailed, UsageError } from '../errors.ts';
import { renderTable } from '../format/table.ts';
import { dash, formatMoney } from '../format/values.ts';
import { pollJobs, throwIfFailed } from '../jobs.ts';
import { positiveInt, positiveNumber } from '../options.ts';
import {
  listAll,
  resolveDatacenter,
  resolveGroupId,
  resolveSeries,
  resolveSshKeyId,
  resolveStartupScriptId,
  resolveVolumeIds,
} from '../resolve.ts';
import { type ClaimedKeyFile, claimKeyFile, defaultKeyFile, releaseKeyFile, saveStoredKey } from './gpu-credentials.ts';
import { accessLines, nextSteps } from './gpu-render.ts';
import { addConstraintFlags, type ConstraintFlags, offersTable } from './offer-flags.ts';
import { readScript } from './scripts.ts';

const DEFAULT_GPUS = 1;

interface OrderFlags extends ConstraintFlags {
  name?: string;
  sshKey?: string;
  image?: string;
  sku?: string;
  group?: string;
  username?: string;
  ttlHours?: number;
  ttlAction?: 'stop' | 'delete';
  idleMinutes?: number;
  idleAction?: 'stop' | 'delete';
  dryRun?: boolean;
  yes?: boolean;
  idempotencyKey?: string;
  wait?: boolean;
  containerImage?: string;
  template?: string;
  generateSshKey?: boolean;
  keyOut?: string;
  script?: string;
  scriptId?: string;
  env: string[];
  secretEnv: string[];
  port: string[];
  volume: string[];
}

export function registerGpuOrderCommand(gpu: Command): void {
  const order = gpu.command('order').description('order a GPU VM (placed on the best offer that fits)');
  order.option('--name <name>', 'name of the VM');
  addConstraintFlags(order);
  order
    .option('--ssh-key <key>', 'SSH key name or id (default: the default key)')
    .option('--image <name>', 'image, e.g. ubuntu-24.04')
    .option('--sku <code>', 'exact SKU code (from inventory)')
    .option('--group <group>', 'resource group name or id')
    .option('--username <name>', 'login user (image default when omitted)')
    .addOption(new Option('--ttl-hours <n>', 'stop or delete the VM after this many hours').argParser(positiveNumber))
    .addOption(new Option('--ttl-action <action>', 'what the TTL does').choices(['stop', 'delete']))
    .addOption(
      new Option('--idle-minutes <n>', 'stop or delete the VM once its GPUs have been idle this long').argParser(positiveInt),
    )
    .addOption(new Option('--idle-action <action>', 'what the idle rule does (default stop)').choices(['stop', 'delete']))
    .option('--container-image <ref>', 'container image for a RunPod pod, e.g. pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime')
    .option('--template <id>', 'RunPod template to start the pod from (container offers only)')
    .option('--generate-ssh-key', 'have the server generate a key pair for this VM alone (--ssh-key becomes optional)')
    .option('--key-out <file>', 'where --generate-ssh-key writes the private key (mode 600; default ./<name>.key)')
    .option('--script <file>', 'a startup script file to run once at first boot')
    .option('--script-id <script>', 'a startup script from the library (name or id; see `gpufleet scripts ls`)')
    .option('--env <NAME=value>', 'environment variable for the workload (repeatable)', collect, [])
    .option('--secret-env <NAME=value>', 'secret environment variable, sealed and never shown again (repeatable)', collect, [])
    .option('--port <port/proto>', 'port to expose, e.g. 8888/http or 7000/tcp (repeatable)', collect, [])
    .option('--volume <volume>', 'attach this volume (name or id; repeatable); the VM is placed in its datacenter', collect, [])
    .option('--dry-run', 'show the offers this order would try, in order, and order nothing')
    .option('-y, --yes', 'order without showing the offer and asking first (never asked without a terminal)')
    .option('--idempotency-key <key>', 'repeat an earlier order safely (default: a fresh key per run)')
    .option('--wait', 'wait until the VM is running and print how to reach it')
    .action(async (flags: OrderFlags, cmd: Command) => {
      if (!flags.name) throw new UsageError('gpu order needs --name');
      if (!flags.series) throw new UsageError('gpu order needs --series (see `gpufleet inventory`)');
      if (flags.keyOut && !flags.generateSshKey) throw new UsageError('--key-out only goes with --generate-ssh-key');
      const ctx = contextFor(cmd);
      const body = await orderBody(ctx, flags, flags.name, flags.series);
      if (flags.dryRun) return dryRun(ctx, body);
      // An order pinned to a SKU says what it orders; otherwise show the offer it lands on and ask.
      if (!flags.sku && !flags.yes && !ctx.config.json && process.stdin.isTTY) await confirmOrder(ctx, body);
      // Claimed before ordering: a generated key that cannot be saved would be a VM nobody can log into.
      const keyFile = flags.generateSshKey ? await claimKeyFile(flags.keyOut ?? defaultKeyFile(flags.name)) : null;
      await placeOrder(ctx, flags, body, keyFile);
    });
}

/** The server ranks the offers exactly as the real order would try them, so the dry run asks it. */
async function dryRun(ctx: CommandContext, body: OrderInput): Promise<void> {
  const { data } = await ctx.client.post<{ offers: Offer[] }>('/v1/resource/gpu', { ...body, dryRun: true });
  ctx.emit({ data: data.offers, meta: null }, (rows) => `${offersTable(rows)}\n\nDry run: nothing was ordered.`);
}

/** The dry run's first offer is the one the order tries first; the rest are where it falls back to. */
async function confirmOrder(ctx: CommandContext, body: OrderInput): Promise<void> {
  const { data } = await ctx.client.post<{ offers: Offer[] }>('/v1/resource/gpu', { ...body, dryRun: true });
  const [first, ...rest] = data.offers;
  if (!first) throw operationFailed('NO_OFFER', 'no offer matches this order; `gpufleet offers` shows what there is');
  const kind = first.machineKind === 'container' ? 'container' : 'VM';
  const where = `${first.datacenter.name} (${first.datacenter.code}, ${first.datacenter.countryAbbr})`;
  ctx.note(
    [
      `${body.name} will be ordered as:`,
      `  provider:   ${first.provider}`,
      `  SKU:        ${first.skuCode} (${first.gpuCount}x ${first.gpu.model}${first.spot ? ', spot' : ''})`,
      `  datacenter: ${where}`,
      `  kind:       ${kind}`,
      `  price:      ${formatMoney(first.pricePerHour, '/h')}${first.billsWhileStopped ? ' (billed while stopped too)' : ''}`,
      ...(rest.length > 0
        ? [`  (${rest.length} more offer${rest.length === 1 ? '' : 's'} to fall back to; --dry-run lists them)`]
        : []),
    ].join('\n'),
  );
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question('Order it? [Y/n] ');
    if (!/^(y(es)?)?$/i.test(answer.trim())) throw operationFailed('ABORTED', 'nothing was ordered');
  } finally {
    prompt.close();
  }
}

async function orderBody(ctx: CommandContext, flags: OrderFlags, name: string, seriesRef: string): Promise<OrderInput> {
  // Flags first: a mistyped --env is a usage error before anything is asked of the server.
  const workload = await workloadOf(ctx, flags);
  const series = await resolveSeries(ctx.client, seriesRef);
  return {
    name,
    seriesId: series.id,
    gpuCount: flags.gpus ?? DEFAULT_GPUS,
    sshKeyId: flags.sshKey
      ? await resolveSshKeyId(ctx.client, flags.sshKey)
      : await defaultSshKeyId(ctx, flags.generateSshKey === true),
    datacenterId: flags.datacenter ? (await resolveDatacenter(ctx.client, flags.datacenter)).id : undefined,
    imageName: flags.image,
    containerImage: flags.containerImage,
    templateId: flags.template,
    generateSshKey: flags.generateSshKey ? true : undefined,
    skuCode: flags.sku,
    resourceGroupId: flags.group ? await resolveGroupId(ctx.client, flags.group) : undefined,
    username: flags.username,
    spot: flags.spot ? true : undefined,
    maxPricePerHour: flags.maxPrice,
    ttlHours: flags.ttlHours,
    ttlAction: flags.ttlAction,
    idleMinutes: flags.idleMinutes,
    idleAction: flags.idleAction,
    constraints: constraintsOf(flags),
    ...(flags.volume.length > 0 ? { volumeIds: await resolveVolumeIds(ctx.client, flags.volume) } : {}),
    ...workload,
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The script, environment and ports flags as the order's fields. */
async function workloadOf(
  ctx: CommandContext,
  flags: OrderFlags,
): Promise<Pick<OrderInput, 'startupScript' | 'startupScriptId' | 'env' | 'secretEnv' | 'ports'>> {
  if (flags.script && flags.scriptId) throw new UsageError('gpu order takes --script or --script-id, not both');
  return {
    ...(flags.script ? { startupScript: await readScript(flags.script) } : {}),
    ...(flags.scriptId ? { startupScriptId: await resolveStartupScriptId(ctx.client, flags.scriptId) } : {}),
    ...(flags.env.length > 0 ? { env: envOf(flags.env, '--env') } : {}),
    ...(flags.secretEnv.length > 0 ? { secretEnv: envOf(flags.secretEnv, '--secret-env') } : {}),
    ...(flags.port.length > 0 ? { ports: flags.port } : {}),
  };
}

function envOf(pairs: string[], flag: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} wants NAME=value, got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

async function placeOrder(
  ctx: CommandContext,
  flags: OrderFlags,
  body: OrderInput,
  keyFile: ClaimedKeyFile | null,
): Promise<void> {
  let job: Job & { vm: GpuVmDetails };
  try {
    ({ data: job } = await ctx.client.post<Job & { vm: GpuVmDetails }>('/v1/resource/gpu', body, {
      // One key per run: the client's own retries after a dropped connection then cannot order twice.
      'Idempotency-Key': flags.idempotencyKey ?? randomUUID(),
    }));
  } catch (err) {
    if (keyFile) await releaseKeyFile(keyFile);
    throw err;
  }
  // The VM exists from here on, and so does its generated key.
  if (keyFile) await saveStoredKey(ctx, job.vm.id, keyFile);
  const keyNote = keyFile ? `; private key written to ${keyFile.path}` : '';
  const withKeyFile = <T extends object>(data: T) => (keyFile ? { ...data, privateKeyFile: keyFile.path } : data);
  if (!flags.wait) {
    ctx.emit(
      { data: withKeyFile(job), meta: null },
      (j) =>
        `Ordered ${j.vm.name} (${j.vm.id}), job ${j.jobId}: ${j.message || j.stage}${keyNote}\n\n${nextSteps(j.vm.name, false)}`,
    );
    return;
  }
  if (!ctx.config.json) ctx.print(`Ordered ${job.vm.name} (${job.vm.id}), job ${job.jobId}${keyNote}`);
  const finished = await pollJobs(ctx, [job], `Ordering ${job.vm.name}`);
  if (finished[0]!.hasFailed) noteAttempts(ctx, finished[0]!.attempts);
  throwIfFailed(ctx, finished);
  const { data: vm } = await ctx.client.get<GpuVmDetails>(`/v1/resource/gpu/${job.vm.id}`);
  ctx.emit({ data: withKeyFile(vm), meta: null }, (v) => `${accessLines(v, keyFile?.path)}\n\n${nextSteps(v.name, true)}`);
}

/**
 * Without --datacenter the order may go anywhere that fits: the API reads a `constraints` object (even an
 * empty one) as "choose across datacenters", so one is always sent then.
 */
function constraintsOf(flags: OrderFlags): OrderInput['constraints'] {
  const constraints: NonNullable<OrderInput['constraints']> = {};
  if (flags.country?.length) constraints.countries = flags.country;
  if (flags.provider?.length) constraints.providers = flags.provider;
  if (flags.maxPrice !== undefined) constraints.maxPricePerHour = flags.maxPrice;
  if (flags.spot) constraints.spot = 'only';
  return Object.keys(constraints).length > 0 || !flags.datacenter ? constraints : undefined;
}

/** The default key; with a generated key pair there may be none, and the VM is then reached with that pair alone. */
async function defaultSshKeyId(ctx: CommandContext, optional: boolean): Promise<string | undefined> {
  const keys = await listAll<SshKey>(ctx.client, '/v1/resource/ssh-keys');
  const chosen = keys.find((key) => key.isDefault);
  if (chosen) return chosen.id;
  if (optional) return undefined;
  throw operationFailed(
    'NO_SSH_KEY',
    keys.length === 0
      ? 'no SSH key yet: add one with `gpufleet ssh-keys add <name> --file ~/.ssh/id_ed25519.pub`'
      : 'no default SSH key: pass --ssh-key or pick one with `gpufleet ssh-keys default <key>`',
  );
}

/** Every offer the order tried and why it did not take: the answer to "why did my order fail". */
function noteAttempts(ctx: CommandContext, attempts: readonly PlacementAttempt[]): void {
  if (attempts.length === 0) return;
  ctx.note('Placement attempts:');
  ctx.note(
    renderTable(attempts, [
      { header: 'PROVIDER', value: (a) => a.provider },
      { header: 'DATACENTER', value: (a) => a.datacenterName },
      { header: 'SKU', value: (a) => a.skuCode },
      { header: 'PRICE/H', value: (a) => formatMoney(a.pricePerHour), align: 'right' },
      { header: 'OUTCOME', value: (a) => a.outcome },
      { header: 'REASON', value: (a) => dash(a.reason) },
    ]),
  );
}
