import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * RunPod's GraphQL wire shapes, limited to the fields the adapter selects. Enum-typed fields
 * (`desiredStatus`, `podType`) are read as plain strings: a value RunPod adds later must reach the status
 * mapping (and become `Unknown`), not fail the whole list.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Every GraphQL answer: resolver errors come with HTTP 200 next to (partial) `data`. */
export const GraphqlError = Type.Object({
  message: Type.String(),
  path: Type.Optional(Nullable(Type.Array(Type.Union([Type.String(), Type.Number()])))),
  extensions: Type.Optional(Nullable(Type.Object({ code: Type.Optional(Nullable(Type.String())) }))),
});
export type GraphqlError = Static<typeof GraphqlError>;

export const GraphqlEnvelope = Type.Object({
  data: Type.Optional(Type.Unknown()),
  errors: Type.Optional(Nullable(Type.Array(GraphqlError))),
});

// ---- catalog -------------------------------------------------------------------------------------

export const LowestPrice = Type.Object({
  minimumBidPrice: Nullable(Type.Number()),
  uninterruptablePrice: Nullable(Type.Number()),
  minVcpu: Nullable(Type.Number()),
  minMemory: Nullable(Type.Number()),
  stockStatus: Nullable(Type.String()),
});

/** `lowestPrice` asked again for larger pods (GraphQL aliases), only for its stock at that GPU count. */
const CountStock = Nullable(Type.Object({ stockStatus: Nullable(Type.String()) }));

export const GpuType = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  manufacturer: Nullable(Type.String()),
  memoryInGb: Type.Number(),
  secureCloud: Type.Boolean(),
  communityCloud: Type.Boolean(),
  maxGpuCount: Type.Integer(),
  maxGpuCountSecureCloud: Nullable(Type.Integer()),
  maxGpuCountCommunityCloud: Nullable(Type.Integer()),
  // Per GPU-hour in USD; 0 or null where that cloud does not sell the type.
  securePrice: Nullable(Type.Number()),
  communityPrice: Nullable(Type.Number()),
  secureSpotPrice: Nullable(Type.Number()),
  communitySpotPrice: Nullable(Type.Number()),
  lowestPrice: Nullable(LowestPrice),
  lowestPrice2: CountStock,
  lowestPrice4: CountStock,
  lowestPrice8: CountStock,
});
export type GpuType = Static<typeof GpuType>;

export const GpuAvailability = Type.Object({
  gpuTypeId: Type.String(),
  // `High` | `Medium` | `Low` | `None`, or null when RunPod has no figure.
  stockStatus: Nullable(Type.String()),
});

export const DataCenter = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  location: Nullable(Type.String()),
  listed: Type.Optional(Nullable(Type.Boolean())),
  gpuAvailability: Nullable(Type.Array(GpuAvailability)),
});
export type DataCenter = Static<typeof DataCenter>;

export const CatalogData = Type.Object({
  gpuTypes: Type.Array(GpuType),
  dataCenters: Type.Array(DataCenter),
});
export type CatalogData = Static<typeof CatalogData>;

export const SpotPriceData = Type.Object({
  gpuTypes: Type.Array(
    Type.Object({
      id: Type.String(),
      secureSpotPrice: Nullable(Type.Number()),
      communitySpotPrice: Nullable(Type.Number()),
    }),
  ),
});

// ---- pods ----------------------------------------------------------------------------------------

export const RuntimePort = Type.Object({
  ip: Nullable(Type.String()),
  isIpPublic: Nullable(Type.Boolean()),
  privatePort: Nullable(Type.Integer()),
  publicPort: Nullable(Type.Integer()),
  type: Nullable(Type.String()),
});
export type RuntimePort = Static<typeof RuntimePort>;

export const RuntimeGpu = Type.Object({
  id: Nullable(Type.String()),
  gpuUtilPercent: Nullable(Type.Number()),
});

export const PodRuntime = Type.Object({
  uptimeInSeconds: Nullable(Type.Integer()),
  ports: Nullable(Type.Array(RuntimePort)),
  gpus: Type.Optional(Nullable(Type.Array(RuntimeGpu))),
});

export const PodMachine = Type.Object({
  podHostId: Nullable(Type.String()),
  gpuTypeId: Nullable(Type.String()),
  gpuDisplayName: Nullable(Type.String()),
  dataCenterId: Nullable(Type.String()),
  location: Nullable(Type.String()),
  secureCloud: Nullable(Type.Boolean()),
});

export const Pod = Type.Object({
  id: Type.String(),
  name: Type.String(),
  desiredStatus: Type.String(),
  podType: Nullable(Type.String()),
  imageName: Type.String(),
  gpuCount: Type.Integer(),
  vcpuCount: Type.Number(),
  memoryInGb: Type.Number(),
  containerDiskInGb: Nullable(Type.Number()),
  volumeInGb: Nullable(Type.Number()),
  // The seed types it Float!; REST v1 sends the same figure as a string, so both are accepted.
  costPerHr: Type.Union([Type.Number(), Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' })]),
  // GraphQL output shape: `KEY=value` strings (the input shape is `{key, value}`).
  env: Nullable(Type.Array(Nullable(Type.String()))),
  ports: Nullable(Type.String()),
  // Free text such as `Exited by user: Fri Jul 12 2024 …`, not a timestamp.
  lastStatusChange: Nullable(Type.String()),
  lastStartedAt: Nullable(Type.String()),
  createdAt: Nullable(Type.String()),
  uptimeSeconds: Nullable(Type.Integer()),
  machineId: Nullable(Type.String()),
  machine: Nullable(PodMachine),
  runtime: Nullable(PodRuntime),
});
export type Pod = Static<typeof Pod>;

export const PodListData = Type.Object({
  myself: Type.Object({ id: Type.String(), pods: Type.Array(Pod) }),
});

export const PodData = Type.Object({ pod: Nullable(Pod) });

export const MyselfData = Type.Object({ myself: Type.Object({ id: Type.String() }) });

export const DeployOnDemandData = Type.Object({ podFindAndDeployOnDemand: Pod });
export const RentInterruptableData = Type.Object({ podRentInterruptable: Pod });

const PodAck = Type.Object({ id: Type.String(), desiredStatus: Type.String() });
export const StopData = Type.Object({ podStop: PodAck });
export const ResumeData = Type.Object({ podResume: PodAck });
export const BidResumeData = Type.Object({ podBidResume: PodAck });
/** `podTerminate` returns the `Void` scalar: always null. */
export const TerminateData = Type.Object({ podTerminate: Type.Null() });

// ---- network volumes -----------------------------------------------------------------------------

/** What runpod-python and dstack select; RunPod's `NetworkVolume` has no state, no tier and no creation time. */
export const NetworkVolume = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** GB. */
  size: Type.Integer(),
  dataCenterId: Type.String(),
});
export type NetworkVolume = Static<typeof NetworkVolume>;

/** A pod as far as its network volume goes: which one it has, if any. */
const VolumeUser = Type.Object({ id: Type.String(), networkVolumeId: Type.Optional(Nullable(Type.String())) });

export const VolumeListData = Type.Object({
  myself: Type.Object({
    id: Type.String(),
    // A list field may come back null for an account that never had one; read as empty.
    networkVolumes: Nullable(Type.Array(NetworkVolume)),
    pods: Nullable(Type.Array(VolumeUser)),
  }),
});
export type VolumeListData = Static<typeof VolumeListData>;

export const VolumeNamesData = Type.Object({
  myself: Type.Object({ id: Type.String(), networkVolumes: Nullable(Type.Array(NetworkVolume)) }),
});

export const CreateVolumeData = Type.Object({ createNetworkVolume: NetworkVolume });
export const UpdateVolumeData = Type.Object({ updateNetworkVolume: NetworkVolume });
/** A scalar: the one recorded answer is `true`; a `Void` (null) would do as well. */
export const DeleteVolumeData = Type.Object({ deleteNetworkVolume: Type.Union([Type.Boolean(), Type.Null()]) });

// ---- what the adapter sends ----------------------------------------------------------------------

export type CloudType = 'SECURE' | 'COMMUNITY';

export interface EnvVarInput {
  key: string;
  value: string;
}

/**
 * Input of `podFindAndDeployOnDemand`; `podRentInterruptable` takes the same plus `bidPerGpu`. With a
 * `templateId`, every field left out is the template's (image, disks, mount path, ports, start command,
 * Jupyter); `env` is merged with the template's per key.
 */
export interface DeployPodInput {
  name: string;
  imageName?: string;
  templateId?: string;
  gpuTypeId: string;
  gpuCount: number;
  cloudType: CloudType;
  dataCenterId: string;
  supportPublicIp: boolean;
  startSsh: boolean;
  startJupyter?: boolean;
  ports?: string;
  containerDiskInGb?: number;
  volumeInGb?: number;
  volumeMountPath?: string;
  /** The one network volume of the pod, in the pod's data center; it replaces the volume disk. */
  networkVolumeId?: string;
  env: EnvVarInput[];
  /** Replaces the container's command. */
  dockerArgs?: string;
}

export interface RentInterruptableInput extends DeployPodInput {
  bidPerGpu: number;
}
