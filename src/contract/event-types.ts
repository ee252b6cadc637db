/**
 * Event types are dotted `<subject>.<what>` names; clients may rely on them, so a type is added, never renamed.
 * Kept free of TypeBox: the dashboard and the CLI import this list without building any schema.
 */
export const EVENT_TYPES = [
  /** A VM was ordered (its row exists; placement follows). */
  'vm.created',
  /**
   * A VM's status changed; `data` has `from`, `to`, `providerStatus`, `name` and `reason`: the provider's
   * reason (`preempted`, `capacity`, …) or who asked (`user`, `policy`), null when neither is known.
   */
  'vm.status_changed',
  /** A spot VM was reclaimed by its provider (also raised as `vm.status_changed`). */
  'vm.preempted',
  /** A VM's name, limits or rules were changed. */
  'vm.updated',
  /** A VM was asked to go (its delete job follows; `vm.status_changed` to Destroyed confirms it). */
  'vm.delete_requested',
  /** A job moved on: `data` has `operation`, `progress` (0–100) and `message`. */
  'job.progress',
  'job.succeeded',
  'job.failed',
  /** A VM's time-to-live ran out and its action (stop or delete) was taken. */
  'policy.ttl_reached',
  /** A VM's GPUs were idle past its rule and its action was taken. */
  'policy.idle',
  /** A resource group's monthly budget was reached and its action was taken. */
  'budget.exceeded',
  /** An instance at a provider carries no gpufleet tag we know. */
  'reconcile.unmanaged_instance',
  /** An instance gpufleet manages is no longer listed by its provider. */
  'reconcile.instance_vanished',
  'volume.created',
  'volume.status_changed',
  'volume.deleted',
  'ssh_key.created',
  'ssh_key.deleted',
  /** A webhook kept failing and was switched off. */
  'webhook.disabled',
  /** Sent on request to check a webhook receiver. */
  'webhook.test',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
