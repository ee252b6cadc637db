import { type Static, Type } from '@sinclair/typebox';
import { DateTime, MoneySchema, Nullable, NullableObject, ref, StringEnum, Uuid } from './common.ts';
import { VmVolumeSchema } from './volumes.ts';

/** The eight states of GPCN's GPUVMDetails.status (seed 000). A contract: never add, rename or drop one. */
export const VM_STATUSES = [
  'Provisioning',
  'Starting',
  'Running',
  'Stopping',
  'Stopped',
  'Error',
  'Destroyed',
  'Unknown',
] as const;

export const VmStatusSchema = StringEnum(VM_STATUSES, { description: 'Real-time status from GPU provider' });
export type VmStatus = Static<typeof VmStatusSchema>;

export const MachineKindSchema = StringEnum(['vm', 'container'] as const, {
  description: '`vm`: a full virtual machine; `container`: a container on a shared host (RunPod pods)',
});
export type MachineKind = Static<typeof MachineKindSchema>;

/** A port the workload listens on. `http`: served over the provider's HTTPS proxy where it has one; `tcp`: a raw TCP mapping. */
export const PortSpecSchema = Type.Object({
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  protocol: StringEnum(['http', 'tcp'] as const),
});
export type PortSpec = Static<typeof PortSpecSchema>;

/** Where an exposed port is reachable from outside; `url` is null for a raw TCP port. */
export const PortEndpointSchema = Type.Object({
  port: Type.Integer(),
  protocol: StringEnum(['http', 'tcp'] as const),
  url: Nullable(Type.String({ description: 'https://… behind the provider proxy, or http://address:port' })),
  host: Nullable(Type.String({ description: 'Address to connect to' })),
  publicPort: Nullable(Type.Integer({ description: 'Port to connect to (a mapping may differ from `port`)' })),
});
export type PortEndpoint = Static<typeof PortEndpointSchema>;

/**
 * GPCN's GPUVMDetails: exactly seed 000's fields, types, nullability and required list, followed by
 * gpufleet's additions (always present, so they are required). Changing a seed field here breaks GPCN clients.
 */
export const GpuVmDetailsSchema = Type.Object(
  {
    configuration: Type.Object(
      {
        code: Type.Optional(Type.String({ description: 'GPU series code (e.g., h100_series)' })),
        cpu: Type.Optional(Type.Integer({ description: 'Number of vCPUs (real-time from provider)' })),
        disk: Type.Optional(Type.Integer({ description: 'Storage in GB (real-time from provider)' })),
        gpuCount: Type.Optional(Type.Integer({ description: 'Number of GPUs' })),
        name: Type.Optional(Type.String({ description: 'GPU series name (e.g., H100 Series)' })),
        ram: Type.Optional(Type.Integer({ description: 'RAM in GiB (real-time from provider)' })),
        skuCode: Type.Optional(Nullable(Type.String({ description: 'SKU catalog code' }))),
        skuId: Type.Optional(Nullable(Uuid('SKU catalog id'))),
      },
      { description: 'GPU and compute configuration (real-time from provider)' },
    ),
    createdAt: DateTime(),
    datacenter: Type.Object({
      country: Type.Optional(Type.String()),
      countryAbbr: Type.Optional(Type.String()),
      id: Type.Optional(Uuid()),
      name: Type.Optional(Type.String()),
      region: Type.Optional(Type.String()),
    }),
    hasStoredCredentials: Type.Boolean({
      description:
        'True if legacy credentials (private key / password) are stored for this VM. gpufleet: a key pair generated at order time (`generateSshKey`), until the VM is destroyed',
    }),
    id: Uuid(),
    name: Type.String(),
    sshKeyId: Nullable(Uuid('SSH key library entry associated with this VM, or null if not using the key library')),
    sshKeyName: Nullable(Type.String({ description: 'Name of the associated SSH key, or null' })),
    status: VmStatusSchema,
    updatedAt: DateTime(),
    username: Type.String({ description: 'OS username for SSH access' }),
    deletedAt: Type.Optional(Nullable(DateTime())),
    image: Type.Optional(Type.String({ description: 'OS image name' })),
    ip: Type.Optional(Nullable(Type.String({ description: 'Public IP address (real-time from provider)' }))),
    jupyterUrl: Type.Optional(Nullable(Type.String({ description: 'JupyterLab URL if available (real-time from provider)' }))),
    resourceGroupId: Type.Optional(Nullable(Uuid('Resource group ID the VM is assigned to'))),
    resourceGroupName: Type.Optional(Nullable(Type.String({ description: 'Resource group name (null if unassigned)' }))),
    // gpufleet additions
    provider: Nullable(Type.String({ description: 'gpufleet: provider id (verda, runpod, fluidstack); null until placed' })),
    providerAccountId: Nullable(Uuid('gpufleet: provider account the VM runs under')),
    providerInstanceId: Nullable(Type.String({ description: "gpufleet: the provider's own instance id" })),
    providerStatus: Nullable(Type.String({ description: 'gpufleet: status word as the provider reported it' })),
    statusReason: Nullable(Type.String({ description: 'gpufleet: why the VM is in its status (e.g. capacity, preempted)' })),
    machineKind: MachineKindSchema,
    spot: Type.Boolean({ description: 'gpufleet: spot/interruptible capacity' }),
    ipIsPrivate: Type.Boolean({ description: 'gpufleet: `ip` is only reachable inside the provider network' }),
    sshPort: Nullable(Type.Integer({ description: 'gpufleet: SSH port on `ip`' })),
    pricePerHour: NullableObject(MoneySchema, 'gpufleet: price per hour of the placed SKU'),
    accruedCost: NullableObject(MoneySchema, 'gpufleet: cost accrued since the VM started billing'),
    billsWhileStopped: Type.Boolean({ description: 'gpufleet: the provider keeps billing a stopped VM' }),
    ttl: NullableObject(
      Type.Object({ at: DateTime(), action: StringEnum(['stop', 'delete'] as const) }),
      'gpufleet: automatic stop/delete time',
    ),
    idle: NullableObject(
      Type.Object({
        minutes: Type.Integer(),
        action: StringEnum(['stop', 'delete'] as const),
        since: Nullable(DateTime('Since when the GPUs have been idle; null while busy')),
      }),
      'gpufleet: stop/delete after the GPUs have been idle this long (providers that report utilisation)',
    ),
    syncedAt: Nullable(DateTime('gpufleet: when the provider last confirmed this record')),
    stale: Type.Boolean({
      description: 'gpufleet: true when the provider has not confirmed this record recently (answered from the store)',
    }),
    startupScript: NullableObject(
      Type.Object({
        id: Nullable(Uuid('The library script it came from; null for an inline script')),
        name: Nullable(Type.String()),
        sizeBytes: Type.Integer(),
      }),
      'gpufleet: the startup script the VM was ordered with, run once at first boot',
    ),
    env: Type.Record(Type.String(), Type.String(), { description: 'gpufleet: plain environment variables' }),
    secretEnvNames: Type.Array(Type.String(), {
      description: 'gpufleet: names of the secret environment variables (their values are never returned)',
    }),
    ports: Type.Array(PortSpecSchema, { description: 'gpufleet: ports the VM exposes' }),
    endpoints: Type.Array(PortEndpointSchema, {
      description: 'gpufleet: where each exposed port is reachable, once the provider says (empty before)',
    }),
    volumes: Type.Array(VmVolumeSchema, { description: 'gpufleet: volumes attached to the VM now' }),
    templateId: Nullable(
      Type.String({ description: 'gpufleet: the provider template (RunPod) the container was started from, or null' }),
    ),
  },
  { $id: 'GPUVMDetails', description: 'Detailed GPU VM information with real-time data from provider' },
);
export type GpuVmDetails = Static<typeof GpuVmDetailsSchema>;

export const PlacementAttemptSchema = Type.Object({
  provider: Type.String(),
  providerAccountId: Type.String(),
  skuCode: Type.String(),
  datacenterId: Type.String(),
  datacenterName: Type.String(),
  pricePerHour: NullableObject(MoneySchema),
  outcome: StringEnum(['succeeded', 'capacity', 'failed', 'pending'] as const),
  reason: Nullable(Type.String()),
  at: DateTime(),
});
export type PlacementAttempt = Static<typeof PlacementAttemptSchema>;

const jobProperties = {
  jobId: Uuid(),
  resourceType: Type.Literal('virtual_machine'),
  resourceDisplayName: Type.String(),
  operation: Type.String({ description: 'e.g. create, start, stop, restart, delete' }),
  stage: Type.String(),
  progressPercentage: Type.Number({ minimum: 0, maximum: 100 }),
  message: Type.String(),
  errorMessage: Nullable(Type.String()),
  estimatedCompletion: Nullable(DateTime()),
  timeRemaining: Nullable(Type.Number({ description: 'Seconds' })),
  canRetry: Type.Boolean(),
  isCompleted: Type.Boolean(),
  hasFailed: Type.Boolean(),
  resourceId: Type.String(),
  resourceName: Type.String(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
  attempts: Type.Array(PlacementAttemptSchema, { description: 'gpufleet: every placement attempt of an order' }),
};

export const JobSchema = Type.Object(jobProperties, {
  $id: 'Job',
  description: 'A long-running operation; poll it with POST /v1/resource/jobs',
});
export type Job = Static<typeof JobSchema>;

export const VmEventSchema = Type.Object({
  at: DateTime(),
  kind: Type.String(),
  message: Type.String(),
});
export type VmEvent = Static<typeof VmEventSchema>;

export const BulkActionResultSchema = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Type.String(),
      success: Type.Boolean(),
      error: Nullable(Type.String()),
      jobId: Type.Optional(Type.String()),
    }),
  ),
  summary: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() }),
});
export type BulkActionResult = Static<typeof BulkActionResultSchema>;

export const BulkDeleteResultSchema = Type.Object({
  jobs: Type.Array(ref(JobSchema), { description: 'One deletion job per VM whose deletion started' }),
  results: Type.Array(
    Type.Object({
      id: Type.String(),
      success: Type.Boolean(),
      error: Nullable(Type.String({ description: 'Why this id was not deleted (e.g. not found, already destroyed)' })),
      jobId: Type.Optional(Type.String({ description: 'The deletion job, when it started' })),
    }),
    { description: 'gpufleet: every id on its own, as bulk stop reports it' },
  ),
  summary: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() }),
});
export type BulkDeleteResult = Static<typeof BulkDeleteResultSchema>;

/** The order answer: the create job with the recorded VM beside it. Inlined so the job fields stay top-level. */
export const OrderAcceptedSchema = Type.Object({ ...jobProperties, vm: ref(GpuVmDetailsSchema) });
