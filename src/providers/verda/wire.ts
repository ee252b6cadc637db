import { type Static, Type } from '@sinclair/typebox';

/**
 * Verda's wire shapes, as far as the adapter reads or sends them. Fields the adapter does not use are
 * left out (extra properties are allowed), and fields the seed marks required but the real API sends as
 * null or leaves out are declared that way, so a real response never fails for a field we ignore.
 */

/** Prices on instance types are decimal strings (`"3.17"`); a non-numeric string is a changed API. */
const DecimalString = Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' });

/** `POST /oauth2/token` answer (`GetAccessTokenResponseDto`). */
export const TokenResponse = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  token_type: Type.String(),
  expires_in: Type.Number(),
  refresh_token: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  scope: Type.Optional(Type.String()),
});
export type TokenResponse = Static<typeof TokenResponse>;

/** Every Verda error body (`PublicApiErrorResponseDto`). */
export const ErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
});

/** `{description, number_of_cores}` and friends: the counts are what matter. */
const Cpu = Type.Object({ description: Type.Optional(Type.String()), number_of_cores: Type.Number() });
const Gpu = Type.Object({ description: Type.Optional(Type.String()), number_of_gpus: Type.Number() });
const SizedGb = Type.Object({ description: Type.Optional(Type.String()), size_in_gigabytes: Type.Number() });
/** Storage says `"dynamic"` for most types; some (V100) carry a size. */
const Storage = Type.Object({
  description: Type.Optional(Type.String()),
  size_in_gigabytes: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
});

/** `GET /instance-types` item. Prices are per instance-hour, as strings. */
export const InstanceType = Type.Object({
  id: Type.String(),
  instance_type: Type.String({ minLength: 1 }),
  model: Type.String(),
  name: Type.String(),
  // Real data has null here for some types, although the seed marks it a required string.
  display_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  description: Type.Optional(Type.String()),
  manufacturer: Type.String(),
  cpu: Cpu,
  gpu: Gpu,
  /** Total across all GPUs of the type. */
  gpu_memory: SizedGb,
  memory: SizedGb,
  storage: Storage,
  price_per_hour: DecimalString,
  spot_price: Type.Optional(Type.Union([DecimalString, Type.Null()])),
  currency: Type.Union([Type.Literal('usd'), Type.Literal('eur')]),
  supported_os: Type.Optional(Type.Array(Type.String())),
});
export type InstanceType = Static<typeof InstanceType>;
export const InstanceTypeList = Type.Array(InstanceType);

/** `GET /locations` item. */
export const Location = Type.Object({
  code: Type.String({ minLength: 1 }),
  name: Type.String(),
  country_code: Type.String(),
});
export type Location = Static<typeof Location>;
export const LocationList = Type.Array(Location);

/** `GET /instance-availability?is_spot=` item: the types with capacity right now, per location. */
export const Availability = Type.Object({
  location_code: Type.String(),
  availabilities: Type.Array(Type.String()),
});
export type Availability = Static<typeof Availability>;
export const AvailabilityList = Type.Array(Availability);

/** `GET /images` item (schema `Os`). */
export const Image = Type.Object({
  id: Type.String(),
  image_type: Type.String({ minLength: 1 }),
  name: Type.String(),
  is_default: Type.Optional(Type.Boolean()),
  details: Type.Optional(Type.Array(Type.String())),
  category: Type.Optional(Type.String()),
  is_cluster: Type.Optional(Type.Boolean()),
});
export type Image = Static<typeof Image>;
export const ImageList = Type.Array(Image);

/** `GET /ssh-keys` item. `GET /ssh-keys/{id}` answers an array of one of these (the seed shows an object). */
export const SshKey = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String(),
  key: Type.String(),
});
export type SshKey = Static<typeof SshKey>;
export const SshKeyList = Type.Array(SshKey);

/** A startup script; listings may leave out the script text (the docs' example shows only id and name). */
export const StartupScript = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String(),
  script: Type.Optional(Type.String()),
});
export const StartupScriptList = Type.Array(StartupScript);

/** `GET /balance`. */
export const Balance = Type.Object({ amount: Type.Number(), currency: Type.String() });

/**
 * `GET /instances` / `GET /instances/{id}` (`GetInstanceResponsePublicApiDto`). The seed marks every field
 * required; in reality `ip`, `os_volume_id`, `startup_script_id` and `jupyter_token` are null until
 * provisioned or when unset, and `ip` has been seen as a list.
 */
export const Instance = Type.Object({
  id: Type.String({ minLength: 1 }),
  status: Type.String({ minLength: 1 }),
  ip: Type.Optional(Type.Union([Type.String(), Type.Null(), Type.Array(Type.String())])),
  created_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  cpu: Type.Optional(Cpu),
  gpu: Gpu,
  memory: Type.Optional(SizedGb),
  storage: Type.Optional(Storage),
  hostname: Type.String(),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  location: Type.String(),
  // A number here per the seed; the official Go SDK accepts a string too.
  price_per_hour: Type.Union([Type.Number(), DecimalString]),
  is_spot: Type.Boolean(),
  instance_type: Type.String(),
  image: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  os_volume_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  jupyter_token: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  startup_script_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  ssh_key_ids: Type.Optional(Type.Array(Type.String())),
  volume_ids: Type.Optional(Type.Array(Type.String())),
});
export type Instance = Static<typeof Instance>;
export const InstanceList = Type.Array(Instance);

export const INSTANCE_ACTIONS = ['start', 'shutdown', 'force_shutdown', 'delete', 'hibernate'] as const;
export type InstanceAction = (typeof INSTANCE_ACTIONS)[number];

/** One entry of the 202/207 answer to `PUT /instances` (`InstanceActionResultDto`). */
export const ActionResult = Type.Object({
  instanceId: Type.String(),
  action: Type.String(),
  status: Type.Union([Type.Literal('success'), Type.Literal('error')]),
  error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  statusCode: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
});
export type ActionResult = Static<typeof ActionResult>;
export const ActionResultList = Type.Array(ActionResult);

/** `POST /instances` body (`DeployInstancePublicDto`), the fields gpufleet sets. */
export interface DeployInstanceBody {
  instance_type: string;
  startup_script_id?: string;
  image: string;
  hostname: string;
  description: string;
  location_code: string;
  ssh_key_ids?: string[];
  is_spot: boolean;
  contract: 'PAY_AS_YOU_GO' | 'SPOT';
  os_volume: {
    name: string;
    size: number;
    on_spot_discontinue?: 'keep_detached' | 'move_to_trash' | 'delete_permanently';
  };
  /** Detached data volumes of the same location to attach to the new instance when it is created. */
  existing_volumes?: string[];
}

/** `PUT /instances` body (`PerformInstanceActionPublicDto`). */
export interface InstanceActionBody {
  action: InstanceAction;
  id: string | string[];
  volume_ids?: string[];
  delete_permanently?: boolean;
}

/** A price that should be a number, read as a decimal string too (as instance prices sometimes are). */
const Price = Type.Union([Type.Number(), DecimalString]);

/**
 * `GET /volumes` item and `GET /volumes/{id}` (`GetVolumePublicResponseDto`, or `GetVolumeInTrashPublicResponseDto`
 * once deleted). The seed marks every field required; the official Go SDK reads `instance_id`, `target` and the
 * mount commands as nullable, and `instances` as a list of instance summaries (the seed's type says strings, its
 * example objects): both forms are accepted. Fields the adapter does not read are left out.
 */
export const VolumeWire = Type.Object({
  id: Type.String({ minLength: 1 }),
  instance_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  instances: Type.Optional(
    Type.Union([Type.Array(Type.Union([Type.String(), Type.Object({ id: Type.String({ minLength: 1 }) })])), Type.Null()]),
  ),
  name: Type.String(),
  created_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  status: Type.String({ minLength: 1 }),
  size: Type.Number(),
  is_os_volume: Type.Boolean(),
  target: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  type: Type.String(),
  location: Type.String(),
  monthly_price: Type.Optional(Type.Union([Price, Type.Null()])),
  currency: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  deleted_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  is_permanently_deleted: Type.Optional(Type.Boolean()),
});
export type VolumeWire = Static<typeof VolumeWire>;
export const VolumeList = Type.Array(VolumeWire);

/** `GET /volume-types` item (`VolumeType`), public. */
export const VolumeTypeWire = Type.Object({
  type: Type.String({ minLength: 1 }),
  price: Type.Object({
    price_per_month_per_gb: Price,
    currency: Type.Optional(Type.String()),
  }),
  is_shared_fs: Type.Optional(Type.Boolean()),
});
export type VolumeTypeWire = Static<typeof VolumeTypeWire>;
export const VolumeTypeList = Type.Array(VolumeTypeWire);

/** `POST /volumes` body (`CreateVolumePublicDto`), the fields gpufleet sets. */
export interface CreateVolumeBody {
  type: string;
  location_code: string;
  size: number;
  name: string;
}

export const VOLUME_ACTIONS = ['attach', 'detach', 'rename', 'resize', 'delete'] as const;
export type VolumeAction = (typeof VOLUME_ACTIONS)[number];

/** `PUT /volumes` body (`PerformVolumeActionPublicDto`), for one volume. */
export interface VolumeActionBody {
  action: VolumeAction;
  id: string;
  /** attach (and detach: the official Go SDK names the instance there too). */
  instance_id?: string;
  /** rename */
  name?: string;
  /** resize: the new size in GB, never below the current one. */
  size?: number;
  /** delete */
  is_permanent?: boolean;
}

/** `DELETE /volumes/{id}` body (`DeleteVolumePublicDto`). */
export interface DeleteVolumeBody {
  is_permanent: boolean;
}
