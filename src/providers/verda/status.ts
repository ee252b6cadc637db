import type { VmStatus } from '../../core/domain/types.ts';
import type { ProviderLogger } from '../../core/provider/provider.ts';

interface StatusRule {
  status: VmStatus;
  reason: string | null;
}

/**
 * Every instance status Verda is known to report: the 13 of the OpenAPI enum plus the ones only the SDKs
 * know (`starting_hibernation`, `hibernating`, `restoring` from the Python SDK, `pending` from the Go SDK
 * and CLI). Anything else reads as Unknown.
 */
export const VERDA_STATUS_RULES: Readonly<Record<string, StatusRule>> = {
  new: { status: 'Provisioning', reason: null },
  ordered: { status: 'Provisioning', reason: null },
  validating: { status: 'Provisioning', reason: null },
  // The CLI shows it as "Waiting for capacity...".
  pending: { status: 'Provisioning', reason: null },
  // Becomes Starting when the adapter has just sent `start` (see `mapVerdaStatus`).
  provisioning: { status: 'Provisioning', reason: null },
  // Coming back from hibernation.
  restoring: { status: 'Starting', reason: null },
  running: { status: 'Running', reason: null },
  starting_hibernation: { status: 'Stopping', reason: null },
  // Verda has no "deleting" in gpufleet's eight states: it is on its way out, not gone until confirmed.
  deleting: { status: 'Stopping', reason: null },
  // Shut down but still billed.
  offline: { status: 'Stopped', reason: null },
  hibernating: { status: 'Stopped', reason: null },
  discontinued: { status: 'Destroyed', reason: null },
  notfound: { status: 'Destroyed', reason: null },
  // Accepted, then no machine could be found: the core treats it like a capacity error on create.
  no_capacity: { status: 'Error', reason: 'capacity' },
  installation_failed: { status: 'Error', reason: 'install_failed' },
  error: { status: 'Error', reason: null },
  unknown: { status: 'Unknown', reason: null },
};

export interface StatusContext {
  /** The adapter itself sent `start` to this instance and has not yet seen it settle. */
  startedByUs: boolean;
  /** The adapter itself asked Verda to delete this instance. */
  deletedByUs: boolean;
  spot: boolean;
}

export interface MappedStatus {
  status: VmStatus;
  statusReason: string | null;
}

/**
 * Verda status → gpufleet status. Verda reuses `provisioning` for a VM coming back from `offline`, so the
 * adapter's own context tells Starting from Provisioning; a spot VM that ends `discontinued` without our
 * delete was evicted.
 */
export function mapVerdaStatus(raw: string, context: StatusContext): MappedStatus | null {
  const rule = Object.hasOwn(VERDA_STATUS_RULES, raw) ? VERDA_STATUS_RULES[raw] : undefined;
  if (!rule) return null;
  if (raw === 'provisioning' && context.startedByUs) return { status: 'Starting', statusReason: null };
  if (rule.status === 'Destroyed' && context.spot && !context.deletedByUs) {
    return { status: 'Destroyed', statusReason: 'preempted' };
  }
  return { status: rule.status, statusReason: rule.reason };
}

/** Maps statuses and warns once per raw value it has never seen, so a new Verda state is noticed. */
export class VerdaStatusMapper {
  private readonly reported = new Set<string>();

  constructor(private readonly logger: ProviderLogger) {}

  map(raw: string, context: StatusContext): MappedStatus {
    const mapped = mapVerdaStatus(raw, context);
    if (mapped) return mapped;
    if (!this.reported.has(raw)) {
      this.reported.add(raw);
      this.logger.warn('verda reported an instance status gpufleet does not know; showing it as Unknown', {
        provider: 'verda',
        providerStatus: raw,
      });
    }
    return { status: 'Unknown', statusReason: null };
  }
}
