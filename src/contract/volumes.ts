import { type Static, Type } from '@sinclair/typebox';
import { Body, DateTime, ListQuery, MoneySchema, Nullable, NullableObject, StringEnum, Uuid } from './common.ts';

/**
 * The states of a volume (persistent storage that outlives a VM). `Deleted` is reached only when the provider
 * confirms the volume is gone, like a VM's `Destroyed`.
 */
export const VOLUME_STATUSES = [
  'Creating',
  'Available',
  'Attaching',
  'Attached',
  'Detaching',
  'Resizing',
  'Deleting',
  'Deleted',
  'Error',
  'Unknown',
] as const;

export const VOLUME_SORTABLE = ['createdAt', 'updatedAt', 'name', 'sizeGB'] as const;

export const VolumeStatusSchema = StringEnum(VOLUME_STATUSES, {
  description: '`Deleted` only once the provider confirms the volume is gone',
});
export type VolumeStatus = Static<typeof VolumeStatusSchema>;

const DatacenterRef = Type.Object({ id: Uuid(), code: Type.String(), name: Type.String() });

export const VolumeSchema = Type.Object(
  {
    id: Uuid(),
    entityId: Uuid(),
    name: Type.String(),
    status: VolumeStatusSchema,
    provider: Type.String({ description: 'Provider id (verda, runpod, fluidstack)' }),
    providerAccountId: Uuid(),
    providerVolumeId: Nullable(Type.String({ description: "The provider's own id; null until it accepted the create" })),
    providerStatus: Nullable(Type.String({ description: 'Status word as the provider reported it' })),
    datacenter: DatacenterRef,
    type: Type.String({ description: 'Provider volume type, e.g. NVMe' }),
    sizeGB: Type.Integer(),
    pricePerGBMonth: NullableObject(MoneySchema, 'Price per GB per month; null where the provider publishes none'),
    accruedCost: NullableObject(MoneySchema, 'Cost accrued since the volume was created'),
    resourceGroupId: Nullable(Uuid()),
    attachedTo: Type.Array(Type.Object({ vmId: Uuid(), vmName: Type.String(), attachedAt: DateTime() }), {
      description: 'VMs the volume is attached to now',
    }),
    mountHint: Type.String({ description: 'Where the volume shows up on a machine, as the provider documents it' }),
    lastError: Nullable(Type.String({ description: 'Why the last provider call for this volume failed' })),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    deletedAt: Nullable(DateTime()),
    syncedAt: Nullable(DateTime('When the provider last confirmed this record')),
  },
  { $id: 'Volume' },
);
/** Persistent storage at a provider that outlives the VMs it is attached to. */
export type Volume = Static<typeof VolumeSchema>;

export const VolumeOptionSchema = Type.Object(
  {
    datacenter: DatacenterRef,
    provider: Type.String(),
    kind: Type.String({ description: 'What the provider calls it: block volume, network volume, filesystem' }),
    types: Type.Array(Type.String(), { description: 'Types a volume may have here; the first is the default' }),
    minSizeGB: Type.Integer(),
    maxSizeGB: Type.Integer(),
    resize: Type.Boolean({ description: 'A volume can be grown in place' }),
    rename: Type.Boolean(),
    attachToExisting: Type.Boolean({ description: 'Attachable to an existing VM (otherwise only when ordering one)' }),
    attachRequiresStopped: Type.Boolean({ description: 'Attaching or detaching needs the VM stopped' }),
    maxPerInstance: Type.Integer({ description: 'The most volumes one VM can take' }),
    mountHint: Type.String(),
  },
  { $id: 'VolumeOption' },
);
/** Where volumes can be created: one entry per datacenter whose provider offers volumes. */
export type VolumeOption = Static<typeof VolumeOptionSchema>;

export const UnmanagedVolumeSchema = Type.Object({
  providerAccountId: Uuid(),
  provider: Type.String(),
  providerVolumeId: Type.String(),
  name: Type.String(),
  providerStatus: Type.String(),
  gpufleetId: Nullable(Type.String()),
  firstSeenAt: DateTime(),
  lastSeenAt: DateTime(),
});
export type UnmanagedVolume = Static<typeof UnmanagedVolumeSchema>;

const VolumeName = Type.String({ minLength: 1, maxLength: 100 });
const SizeGB = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Size in GB; each provider has its own range' });

export const CreateVolumeBody = Body({
  name: VolumeName,
  sizeGB: SizeGB,
  datacenterId: Uuid('Where the volume lives; a VM using it is placed there (GET /v1/resource/volumes/options)'),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: "One of the datacenter's types" })),
  resourceGroupId: Type.Optional(Uuid('Its cost counts in this resource group')),
});
export type VolumeCreateInput = Static<typeof CreateVolumeBody>;

export const UpdateVolumeBody = Body({
  name: Type.Optional(VolumeName),
  sizeGB: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Grow to this size (never shrinks)' })),
});
export type VolumeUpdateInput = Static<typeof UpdateVolumeBody>;

export const AttachVolumeBody = Body({ volumeId: Uuid() });

export const VolumeListQuery = ListQuery(VOLUME_SORTABLE, {
  datacenterId: Type.Optional(Uuid('Only volumes in this datacenter')),
  provider: Type.Optional(Type.String({ maxLength: 50, description: 'Only volumes at this provider' })),
  includeDeleted: Type.Optional(Type.Boolean({ description: 'Also volumes the provider confirmed deleted' })),
});

export const VmVolumeSchema = Type.Object({
  id: Uuid(),
  name: Type.String(),
  sizeGB: Type.Integer(),
  type: Type.String(),
  status: VolumeStatusSchema,
  attachedAt: DateTime(),
  mountHint: Type.String(),
});
/** A volume as a VM shows it. */
export type VmVolume = Static<typeof VmVolumeSchema>;
