import type { PortSpec } from '../../core/domain/types.ts';
import type { CreateInstanceRequest, WorkloadSupport } from '../../core/provider/provider.ts';
import type { SecretBox } from '../../services/secrets.ts';
import type { VmRow } from '../../services/vms/repository.ts';
import type { StoredEnv } from '../../services/vms/view.ts';
import { secretEnvContext } from '../../services/vms/workload.ts';

/** The startup script, environment (secret values opened only here) and ports a create hands the provider. */
export function workloadRequest(vm: VmRow, secrets: SecretBox): Pick<CreateInstanceRequest, 'startupScript' | 'env' | 'ports'> {
  const stored = vm.env_json ? (JSON.parse(vm.env_json) as StoredEnv) : null;
  const secret = vm.secret_env_enc ? (secrets.open(vm.secret_env_enc, secretEnvContext(vm.id)) as Record<string, string>) : {};
  return {
    startupScript: vm.startup_script,
    env: { ...(stored?.env ?? {}), ...secret },
    ports: vm.ports_json ? (JSON.parse(vm.ports_json) as PortSpec[]) : [],
  };
}

/** The history line telling how the script and environment reached the machine; null when there were none. */
export function workloadHandedOver(vm: VmRow, support: WorkloadSupport): string | null {
  const stored = vm.env_json ? (JSON.parse(vm.env_json) as StoredEnv) : null;
  const envCount = Object.keys(stored?.env ?? {}).length + (stored?.secretNames.length ?? 0);
  const parts: string[] = [];
  if (vm.startup_script !== null) {
    const bytes = Buffer.byteLength(vm.startup_script, 'utf8');
    const name = vm.startup_script_name ? `"${vm.startup_script_name}"` : 'inline';
    parts.push(`startup script ${name} (${bytes} bytes) handed over as ${support.startupScriptVia}`);
  }
  if (envCount > 0) {
    const via = support.env === 'native' ? 'as container environment' : `written by ${support.startupScriptVia}`;
    parts.push(`${envCount} environment variable(s) ${via}`);
  }
  return parts.length > 0 ? parts.join('; ') : null;
}
