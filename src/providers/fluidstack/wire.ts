import { type Static, Type } from '@sinclair/typebox';

/**
 * Fluidstack Atlas wire shapes (`v1alpha1`), as far as the adapter reads or sends them. They follow
 * Fluidstack's own OpenAPI document of the regional Infrastructure API; where the older seed docs differ,
 * the document wins and the difference is noted next to the field.
 *
 * Response schemas require only what the adapter reads, so a harmless new field never breaks it, while a
 * missing or mistyped one fails at the boundary with its path.
 */

/** Kubernetes resource quantity as Atlas sends sizes: `960Gi`, `512Gi`, `1Ti`, `2048Mi`, or plain bytes. */
export const QUANTITY_PATTERN = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';

/** Every 4xx/5xx body of the Atlas APIs: `Error {message}`. */
export const ErrorBody = Type.Object({ message: Type.String() });

/** The identity provider's answer to a client-credentials grant (form-encoded request). */
export const TokenResponse = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  expires_in: Type.Integer({ minimum: 1 }),
  token_type: Type.Optional(Type.String()),
});
export type TokenResponse = Static<typeof TokenResponse>;

/** Global Management API `GET /regions`: `url` is the region's API host. */
export const Region = Type.Object({ name: Type.String(), url: Type.String() });
export const RegionList = Type.Array(Region);

/** Regional `GET /projects` and `GET /projects/{id}`; `state` is `active` or `deleting`. */
export const Project = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String(),
  state: Type.Optional(Type.String()),
});
export type Project = Static<typeof Project>;
export const ProjectList = Type.Array(Project);

/**
 * `GET /instance-types`. The document spells the GPU fields `gpuModel`/`gpuCount`; an earlier generated
 * client used `gpu_model`/`gpu_count`, so both spellings are read. CPU-only types carry no GPU fields.
 */
export const InstanceType = Type.Object({
  name: Type.String({ minLength: 1 }),
  cpu: Type.Integer({ minimum: 0 }),
  memory: Type.String({ pattern: QUANTITY_PATTERN }),
  gpuModel: Type.Optional(Type.String()),
  gpuCount: Type.Optional(Type.Integer({ minimum: 0 })),
  gpu_model: Type.Optional(Type.String()),
  gpu_count: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type InstanceType = Static<typeof InstanceType>;
export const InstanceTypeList = Type.Array(InstanceType);

/** `GET /capacity`: how many instances of a type can be created right now (absent type = none). */
export const CapacityItem = Type.Object({ name: Type.String(), capacity: Type.Integer() });
export const CapacityList = Type.Array(CapacityItem);

/** `GET /capabilities`: what the token may do, as the Atlas OpenAPI's `Capability` enum names it. */
export const CAPABILITIES = [
  'instances:list',
  'instances:create',
  'instances:delete',
  'instances:read',
  'instances:update',
  'instances:start',
  'instances:stop',
  'filesystems:list',
  'filesystems:create',
  'filesystems:delete',
  'filesystems:read',
  'filesystems:update',
  'projects:list',
  'projects:create',
  'projects:delete',
  'projects:read',
  'projects:update',
  'kubernetes:clusters:list',
  'kubernetes:clusters:create',
  'kubernetes:clusters:delete',
  'kubernetes:clusters:read',
  'kubernetes:node-pools:list',
  'kubernetes:node-pools:create',
  'kubernetes:node-pools:delete',
  'kubernetes:node-pools:read',
  'kubernetes:credentials:read',
  'slurm:clusters:list',
  'slurm:clusters:read',
  'slurm:clusters:proxy',
  'slurm:node-pools:list',
  'slurm:node-pools:read',
] as const;
export const Capability = Type.Union(CAPABILITIES.map((c) => Type.Literal(c)));
export type Capability = Static<typeof Capability>;
export const CapabilityList = Type.Array(Capability);

/**
 * An instance. `state` is read as any string, not the documented enum, so that a state Fluidstack adds
 * later maps to `Unknown` instead of failing the whole list. `ip` is documented as the *private* IP and
 * is null until assigned (the seed's example shows only a value). `tags` and `filesystems` are required by
 * the document but absent from older revisions of the API, so they are read as optional.
 */
export const Instance = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String(),
  type: Type.String(),
  state: Type.String(),
  ip: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  image: Type.Optional(Type.String()),
  preemptible: Type.Boolean(),
  ephemeral: Type.Optional(Type.Boolean()),
  userData: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  filesystems: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  tags: Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])),
});
export type Instance = Static<typeof Instance>;
export const InstanceList = Type.Array(Instance);

/** Ids of instances and filesystems are UUIDs (`format: uuid` in the document). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/**
 * A filesystem (virtio-fs) is `{id, name, size}` and nothing more: no state, no region (the region is the host
 * that lists it), no creation time, no attachments (those are read from the instances' `filesystems`). `size` is
 * described as "in GB" but exemplified as a Kubernetes quantity (`512Gi`); it is read as a quantity, and a bare
 * number as GB (see quantity.ts).
 */
export const Filesystem = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String(),
  size: Type.String({ pattern: QUANTITY_PATTERN }),
});
export type Filesystem = Static<typeof Filesystem>;
export const FilesystemList = Type.Array(Filesystem);

/** Tag keys: 1–63 characters, alphanumeric at both ends, `-`, `_`, `.` inside. */
export const TAG_KEY_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$';

/**
 * `POST /instances`. There is no region field: the region is the URL the request is sent to. `userData` is
 * base64 (`format: byte`) cloud-init; `image` takes the `image://` form while responses drop the prefix.
 */
export const CreateInstanceBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.String({ minLength: 1 }),
    image: Type.Optional(Type.String()),
    preemptible: Type.Optional(Type.Boolean()),
    ephemeral: Type.Optional(Type.Boolean()),
    userData: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    filesystems: Type.Optional(Type.Array(Type.String({ pattern: UUID_PATTERN }))),
    tags: Type.Optional(Type.Record(Type.String({ pattern: TAG_KEY_PATTERN }), Type.String(), { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type CreateInstanceBody = Static<typeof CreateInstanceBody>;

/**
 * The names gpufleet gives filesystems: 1–63 lower case letters, digits and `-`, a letter or digit at both ends (an
 * RFC 1123 label). The document states no rule for filesystem names (its example is `fs-1`): this is an
 * assumption, chosen as the narrowest common rule, which also keeps to the document's only naming rule (that of
 * tag keys). Names read back are not held to it: a filesystem made elsewhere may be named otherwise.
 */
export const FILESYSTEM_NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

/** `POST /filesystems`; `size` as a Kubernetes quantity such as `512Gi`. */
export const CreateFilesystemBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    size: Type.String({ pattern: QUANTITY_PATTERN }),
  },
  { additionalProperties: false },
);
export type CreateFilesystemBody = Static<typeof CreateFilesystemBody>;
