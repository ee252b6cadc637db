import type { Kysely } from 'kysely';
import type { OrderInput } from '../../contract/gpu-vm-requests.ts';
import type { PortSpec } from '../../core/domain/types.ts';
import type { WorkloadSupport } from '../../core/provider/provider.ts';
import { startupScriptBytes } from '../../providers/kit/boot-script.ts';
import type { Database } from '../../store/schema.ts';
import { badRequest, notFound } from '../errors.ts';
import { checkScript } from '../startup-scripts/service.ts';
import type { StoredEnv } from './view.ts';

/** What an order asks to run on its VM, checked. */
export interface Workload {
  script: { id: string | null; name: string | null; text: string } | null;
  env: Record<string, string>;
  secretEnv: Record<string, string>;
  ports: PortSpec[];
}

/** Names gpufleet or the providers set themselves on the machine: an order may not take them over. */
const RESERVED_ENV = [/^GPUFLEET_/, /^RUNPOD_/, /^PUBLIC_KEY$/, /^SSH_PUBLIC_KEY$/, /^JUPYTER_PASSWORD$/];
/** All variables together, names and values: well inside every provider's request and env limits. */
const MAX_ENV_BYTES = 32 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function workloadOf(input: OrderInput, db: Kysely<Database>): Promise<Workload> {
  if (input.startupScriptId !== undefined && input.startupScript !== undefined) {
    throw badRequest('VALIDATION_ERROR', 'startupScript: send startupScriptId or startupScript, not both');
  }
  let script: Workload['script'] = null;
  if (input.startupScriptId !== undefined) {
    const row = await db
      .selectFrom('startup_scripts')
      .select(['id', 'name', 'script'])
      .where('id', '=', input.startupScriptId)
      .executeTakeFirst();
    if (!row) throw notFound('Startup script', input.startupScriptId);
    script = { id: row.id, name: row.name, text: row.script };
  } else if (input.startupScript !== undefined) {
    script = { id: null, name: null, text: checkScript(input.startupScript, 'startupScript') };
  }
  const env = checkEnv(input.env ?? {}, 'env');
  const secretEnv = checkEnv(input.secretEnv ?? {}, 'secretEnv');
  const both = Object.keys(env).filter((name) => name in secretEnv);
  if (both.length > 0) throw badRequest('VALIDATION_ERROR', `env: ${both.join(', ')} given both in env and in secretEnv`);
  const bytes = Object.entries({ ...env, ...secretEnv }).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value) + 2,
    0,
  );
  if (bytes > MAX_ENV_BYTES) {
    throw badRequest('ENV_TOO_LARGE', `env: the variables take ${bytes} bytes together; at most ${MAX_ENV_BYTES} are allowed`);
  }
  return { script, env, secretEnv, ports: parsePorts(input.ports ?? []) };
}

function checkEnv(env: Record<string, string>, field: string): Record<string, string> {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw badRequest('VALIDATION_ERROR', `${field}: "${name}" is not a valid variable name`);
    if (RESERVED_ENV.some((reserved) => reserved.test(name))) {
      throw badRequest('ENV_NAME_RESERVED', `${field}: ${name} is set by gpufleet or the provider and cannot be ordered`);
    }
    if (typeof value !== 'string' || value.includes('\u0000')) {
      throw badRequest('VALIDATION_ERROR', `${field}: the value of ${name} must be text without NUL characters`);
    }
  }
  return { ...env };
}

function parsePorts(ports: string[]): PortSpec[] {
  const seen = new Set<number>();
  return ports.map((entry) => {
    const match = /^(\d{1,5})\/(http|tcp)$/.exec(entry);
    const port = Number(match?.[1]);
    if (!match || port < 1 || port > 65535) {
      throw badRequest('VALIDATION_ERROR', `ports: "${entry}" is not a port like 8888/http or 6006/tcp (1–65535)`);
    }
    if (seen.has(port)) throw badRequest('VALIDATION_ERROR', `ports: port ${port} is listed twice`);
    seen.add(port);
    return { port, protocol: match[2] as 'http' | 'tcp' };
  });
}

/** The startup-script bytes this workload takes at a provider, and whether that is within its limit. */
export function scriptFits(workload: Workload, support: WorkloadSupport): { bytes: number; fits: boolean } {
  if (!workload.script && Object.keys(workload.env).length + Object.keys(workload.secretEnv).length === 0) {
    return { bytes: 0, fits: true };
  }
  const bytes = startupScriptBytes(support, {
    script: workload.script?.text ?? null,
    env: { ...workload.env, ...workload.secretEnv },
  });
  return { bytes, fits: bytes <= support.maxStartupScriptBytes };
}

/** The VM row's columns for a workload; secret values sealed for this VM alone. */
export function workloadColumns(workload: Workload, seal: (value: unknown) => string) {
  const secretNames = Object.keys(workload.secretEnv);
  const stored: StoredEnv = { env: workload.env, secretNames };
  const hasEnv = Object.keys(workload.env).length > 0 || secretNames.length > 0;
  return {
    startup_script_id: workload.script?.id ?? null,
    startup_script_name: workload.script?.name ?? null,
    startup_script: workload.script?.text ?? null,
    env_json: hasEnv ? JSON.stringify(stored) : null,
    secret_env_enc: secretNames.length > 0 ? seal(workload.secretEnv) : null,
    ports_json: workload.ports.length > 0 ? JSON.stringify(workload.ports) : null,
    endpoints_json: null,
  };
}

/** The sealing context of a VM's secret environment: a sealed value copied to another VM does not open. */
export const secretEnvContext = (vmId: string) => `vm_env:${vmId}`;
