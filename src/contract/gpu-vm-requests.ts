import { type Static, Type } from '@sinclair/typebox';
import { Body, IntegerEnum, ListQuery, Nullable, StringEnum, Uuid } from './common.ts';
import { VM_STATUSES } from './gpu-vm.ts';

/**
 * A GPU VM's name, at order and at rename: 1–63 letters, digits, `-`, `_` and `.`, starting with a letter or
 * digit (it becomes a hostname and a label at the provider). Unique among live VMs, ignoring case.
 */
export const VM_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';

export const GPU_COUNTS = [1, 2, 4, 8] as const;
export const VM_SORTABLE = ['createdAt', 'updatedAt', 'name', 'status'] as const;

const VmName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: VM_NAME_PATTERN,
  description:
    'gpufleet: 1–63 letters, digits, -, _ and ., starting with a letter or digit; unique among live VMs ignoring case (409 NAME_TAKEN names the VM that has it)',
});
const Username = Type.String({
  minLength: 3,
  maxLength: 20,
  pattern: '^[a-zA-Z_][a-zA-Z0-9_-]*$',
  description: 'OS username, 3–20 characters',
});
const TtlHours = Type.Number({
  exclusiveMinimum: 0,
  maximum: 8760,
  description: 'gpufleet: stop or delete the VM after this many hours',
});
const TtlAction = StringEnum(['stop', 'delete'] as const, {
  description: 'gpufleet: what happens when the TTL expires (default delete)',
});
const IdleMinutes = Type.Integer({
  minimum: 5,
  maximum: 10080,
  description:
    'gpufleet: stop or delete the VM once its GPUs have been idle (under 5 %) this many minutes; needs a provider that reports utilisation',
});
const IdleAction = StringEnum(['stop', 'delete'] as const, {
  description: 'gpufleet: what happens when the idle rule fires (default stop)',
});
const PricePerHour = Type.Number({
  exclusiveMinimum: 0,
  maximum: 1_000_000,
  description: 'Highest acceptable price per hour, in the offer currency',
});
const shortList = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50, description });

/** Names as POSIX shells take them; sizes keep the whole environment inside every provider's limits. */
const EnvMap = (description: string) =>
  Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }), Type.String({ maxLength: 8192 }), {
    maxProperties: 64,
    description: `${description}; names [A-Za-z_][A-Za-z0-9_]*, at most 64 variables`,
  });

export const OfferConstraintsSchema = Type.Object(
  {
    countries: Type.Optional(shortList('ISO 3166-1 alpha-2 country codes to allow')),
    regions: Type.Optional(shortList('Broad regions to allow (e.g. europe, north-america)')),
    providers: Type.Optional(shortList('Provider ids to allow')),
    excludeProviders: Type.Optional(shortList('Provider ids to avoid')),
    maxPricePerHour: Type.Optional(PricePerHour),
    spot: Type.Optional(StringEnum(['allow', 'only', 'exclude'] as const, { description: 'Spot capacity (default exclude)' })),
    machineKinds: Type.Optional(Type.Array(StringEnum(['vm', 'container'] as const), { maxItems: 2 })),
  },
  { additionalProperties: false, description: 'gpufleet: where and how the VM may be placed' },
);

export const OrderBody = Body(
  {
    name: VmName,
    datacenterId: Type.Optional(
      Uuid('Required by GPCN. gpufleet: may be omitted when `constraints` are given; placement then chooses across datacenters'),
    ),
    seriesId: Uuid('GPU series (GET /v1/resource/gpu/series)'),
    gpuCount: IntegerEnum(GPU_COUNTS),
    sshKeyId: Type.Optional(
      Uuid(
        'SSH key whose public part is installed on the VM. Required by GPCN. gpufleet: may be omitted when `generateSshKey` is true; the generated key is then the only way in',
      ),
    ),
    imageName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'OS image from GET /v1/resource/gpu/images (default ubuntu-24.04); wins over imageId',
      }),
    ),
    imageId: Type.Optional(Uuid('OS image id; `imageName` wins when both are sent')),
    resourceGroupId: Type.Optional(Uuid()),
    skuCode: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'SKU from inventory `availableSkus`; cheapest available when omitted',
      }),
    ),
    username: Type.Optional(Username),
    constraints: Type.Optional(OfferConstraintsSchema),
    spot: Type.Optional(Type.Boolean({ description: 'gpufleet: order spot (interruptible) capacity' })),
    maxPricePerHour: Type.Optional(PricePerHour),
    ttlHours: Type.Optional(TtlHours),
    ttlAction: Type.Optional(TtlAction),
    idleMinutes: Type.Optional(IdleMinutes),
    idleAction: Type.Optional(IdleAction),
    volumeIds: Type.Optional(
      Type.Array(Uuid(), {
        maxItems: 16,
        uniqueItems: true,
        description:
          'gpufleet: volumes (GET /v1/resource/volumes) to attach at create; the VM is placed in their datacenter, at their provider account',
      }),
    ),
    containerImage: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 255,
        pattern: '^[A-Za-z0-9][A-Za-z0-9._/:@-]*[/:][A-Za-z0-9._/:@-]+$',
        description:
          'gpufleet: a container image for container providers (RunPod pods), e.g. `pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime`; VMs refuse it with 400 `CONTAINER_IMAGE_ON_VM`. Not with imageName/imageId',
      }),
    ),
    templateId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$',
        description:
          'gpufleet: a provider template to start the container from (RunPod template id), for container providers (RunPod pods) only; VMs refuse it with 400 `TEMPLATE_ON_VM`',
      }),
    ),
    generateSshKey: Type.Optional(
      Type.Boolean({
        description:
          'gpufleet: generate an ED25519 key pair for this VM alone and install its public key next to `sshKeyId`. The private key is sealed at rest, `hasStoredCredentials` becomes true, and admins and power users fetch it (OpenSSH format) from GET /v1/resource/gpu/{id}/ssh-key until the VM is destroyed, when it is wiped. With it `sshKeyId` may be omitted; without it `sshKeyId` is required (400 `VALIDATION_ERROR`)',
      }),
    ),
    startupScriptId: Type.Optional(Uuid('gpufleet: a script from the startup-script library, run once at first boot')),
    startupScript: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 65536,
        description: 'gpufleet: the script itself instead of startupScriptId (not both); each provider has its own limit',
      }),
    ),
    env: Type.Optional(EnvMap('gpufleet: environment variables for the workload')),
    secretEnv: Type.Optional(
      EnvMap('gpufleet: environment variables whose values are sealed at rest and never returned (tokens, passwords)'),
    ),
    ports: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9]{1,5}/(http|tcp)$', description: '`8888/http`, `6006/http`, `22/tcp`' }), {
        maxItems: 20,
        description: 'gpufleet: ports to expose; their endpoints appear in `endpoints`',
      }),
    ),
    dryRun: Type.Optional(
      Type.Boolean({ description: 'gpufleet: answer 200 with the ranked offers this order would try, without ordering' }),
    ),
  },
  { description: 'Order a GPU VM' },
);
/** An order as the service takes it: `dryRun` only picks whether the route previews or orders. */
export type OrderInput = Omit<Static<typeof OrderBody>, 'dryRun'>;

export const UpdateVmBody = Body({
  name: Type.Optional(VmName),
  resourceGroupId: Type.Optional(Nullable(Uuid('null removes the VM from its resource group'))),
  sshKeyId: Type.Optional(Nullable(Uuid('null clears the association'))),
  username: Type.Optional(Username),
  ttlHours: Type.Optional(Nullable(TtlHours)),
  ttlAction: Type.Optional(TtlAction),
  idleMinutes: Type.Optional(Nullable(IdleMinutes)),
  idleAction: Type.Optional(IdleAction),
});
export type UpdateVmInput = Static<typeof UpdateVmBody>;

export const IdsBody = Body({
  ids: Type.Array(Uuid(), { minItems: 1, maxItems: 50, description: '1–50 GPU VM ids' }),
});

export const JobIdsBody = Body({
  jobIds: Type.Array(Uuid(), { minItems: 1, maxItems: 50, description: '1–50 job ids' }),
});

export const VmListQuery = ListQuery(VM_SORTABLE, {
  resourceGroupId: Type.Optional(Uuid()),
  includeDeleted: Type.Optional(
    Type.Boolean({ default: false, description: 'gpufleet: also list destroyed VMs (deletedAt set)' }),
  ),
  status: Type.Optional(StringEnum(VM_STATUSES)),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Repeat an order safely: a replay with the same key answers the same status and body',
    }),
  ),
});
