import { STARTUP_SCRIPT_ENV } from '../adapter.ts';

/** Variables RunPod or gpufleet set on every pod, which are not the workload's own. */
const PLATFORM_ENV = /^(GPUFLEET_|RUNPOD_|PUBLIC_KEY$|JUPYTER_PASSWORD$)/;

/**
 * What a pod's container sees at start: its environment (`K=V` strings, as RunPod reports it) and the
 * startup script the start command decodes from `STARTUP_SCRIPT_ENV`.
 */
export function podWorkload(env: string[]): { script: string | null; env: Record<string, string> } {
  const vars: Record<string, string> = {};
  let script: string | null = null;
  for (const entry of env) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at);
    const value = entry.slice(at + 1);
    if (name === STARTUP_SCRIPT_ENV) script = Buffer.from(value, 'base64').toString('utf8');
    else if (!PLATFORM_ENV.test(name)) vars[name] = value;
  }
  return { script, env: vars };
}
