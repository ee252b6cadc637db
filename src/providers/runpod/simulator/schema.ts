import { buildSchema, type GraphQLEnumType, GraphQLError, type GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { POD_SDL } from './schema-pod.ts';

/**
 * The subset of RunPod's GraphQL schema the simulator serves: the types, queries and mutations of seed
 * 002, with the fields the seed leaves blank filled in as the real API has them (enum values, runtime
 * ports, resume inputs, `dataCenters`, spot prices). Unknown fields and input fields are validation errors,
 * as on RunPod (e.g. `allowedCudaVersions` on `PodResumeInput`).
 *
 * Network volumes are not in the seed at all. They follow what the SDKs and tools send to the real API:
 * `myself { networkVolumes { id name size dataCenterId dataCenter { … } } }` (runpod-python, dstack),
 * `createNetworkVolume(input: {name, size, dataCenterId})`, `updateNetworkVolume(input: {id, name, size})`
 * (RunPod's Pulumi provider) and `deleteNetworkVolume(input: {id})` (dstack), which returns a scalar: the
 * only recorded answer is `true`. `PodTemplate` has the seed's fields plus `isRunpod`, `isServerless`,
 * `boundEndpointId` and `category` from the typed schema mirror (not `config`, a JSON scalar whose shape nothing
 * documents); `EnvironmentVariable`, blank in the seed, is `{key value}`.
 */
const SDL = /* GraphQL */ `
scalar Void

enum CloudTypeEnum { SECURE COMMUNITY ALL }
enum PodStatus { CREATED RUNNING RESTARTING EXITED PAUSED DEAD TERMINATED }
enum PodType { INTERRUPTABLE RESERVED BID BACKGROUND }

type Query {
  myself: User
  pod(input: PodFilter): Pod
  gpuTypes(input: GpuTypeFilter): [GpuType]
  cpuTypes: [CpuType]
  dataCenters: [DataCenter]
}

type Mutation {
  podFindAndDeployOnDemand(input: PodFindAndDeployOnDemandInput): Pod
  podRentInterruptable(input: PodRentInterruptableInput!): Pod
  podStop(input: PodStopInput!): Pod
  podResume(input: PodResumeInput!): Pod
  podBidResume(input: PodBidResumeInput!): Pod
  podTerminate(input: PodTerminateInput!): Void
  createNetworkVolume(input: CreateNetworkVolumeInput!): NetworkVolume
  updateNetworkVolume(input: UpdateNetworkVolumeInput!): NetworkVolume
  deleteNetworkVolume(input: DeleteNetworkVolumeInput!): Boolean
}

type User {
  id: String
  pods: [Pod]
  pubKey: String
  clientBalance: Float
  currentSpendPerHr: Float
  networkVolumes: [NetworkVolume]
  podTemplates: [PodTemplate]
}

type NetworkVolume {
  id: String
  name: String
  size: Int
  dataCenterId: String
  dataCenter: DataCenter
}

type PodTemplate {
  advancedStart: Boolean
  containerDiskInGb: Int
  containerRegistryAuthId: String
  dockerArgs: String
  earned: Float
  env: [EnvironmentVariable]
  id: String
  imageName: String
  isPublic: Boolean
  isRunpod: Boolean
  isServerless: Boolean
  boundEndpointId: String
  name: String
  ports: String
  readme: String
  runtimeInMin: Int
  startJupyter: Boolean
  startScript: String
  startSsh: Boolean
  volumeInGb: Int
  volumeMountPath: String
  category: String
}

type EnvironmentVariable { key: String value: String }

type CpuType {
  id: String
  displayName: String
  manufacturer: String
  cores: Int
  threadsPerCore: Int
}

type GpuType {
  id: String
  displayName: String
  manufacturer: String
  memoryInGb: Int
  cudaCores: Int
  secureCloud: Boolean
  communityCloud: Boolean
  maxGpuCount: Int
  maxGpuCountSecureCloud: Int
  maxGpuCountCommunityCloud: Int
  minPodGpuCount: Int
  securePrice: Float
  communityPrice: Float
  secureSpotPrice: Float
  communitySpotPrice: Float
  lowestPrice(input: GpuLowestPriceInput): LowestPrice
}

type LowestPrice {
  gpuName: String
  gpuTypeId: String
  minimumBidPrice: Float
  uninterruptablePrice: Float
  minVcpu: Int
  minMemory: Int
  stockStatus: String
}

type DataCenter {
  id: String
  name: String
  location: String
  listed: Boolean
  storageSupport: Boolean
  gpuAvailability: [GpuAvailability]
}

type GpuAvailability {
  id: String
  available: Boolean
  stockStatus: String
  gpuTypeId: String
  gpuTypeDisplayName: String
  displayName: String
}

input PodFilter { podId: String! }
input GpuTypeFilter { id: String ids: [String] }

input GpuLowestPriceInput {
  gpuCount: Int
  secureCloud: Boolean
  dataCenterId: String
  countryCode: String
  minDisk: Int
  totalDisk: Int
  minMemoryInGb: Int
  minVcpuCount: Int
  minDownload: Int
  minUpload: Int
  supportPublicIp: Boolean
}

input EnvironmentVariableInput { key: String! value: String! }

input PodFindAndDeployOnDemandInput {
  gpuCount: Int
  volumeInGb: Int
  volumeKey: String
  containerDiskInGb: Int
  minVcpuCount: Int
  minMemoryInGb: Int
  gpuTypeId: String
  gpuTypeIdList: [String]
  cloudType: CloudTypeEnum
  dataCenterId: String
  networkVolumeId: String
  minUpload: Int
  minDownload: Int
  minDisk: Int
  countryCode: String
  supportPublicIp: Boolean
  name: String
  imageName: String
  dockerArgs: String
  deployCost: Float
  port: Port
  ports: String
  stopAfter: DateTime
  terminateAfter: DateTime
  volumeMountPath: String
  env: [EnvironmentVariableInput]
  templateId: String
  startJupyter: Boolean
  startSsh: Boolean
  allowedCudaVersions: [String]
  minCudaVersion: String
  containerRegistryAuthId: String
}

input PodRentInterruptableInput {
  gpuCount: Int
  volumeInGb: Int
  volumeKey: String
  containerDiskInGb: Int
  minVcpuCount: Int
  minMemoryInGb: Int
  gpuTypeId: String
  bidPerGpu: Float
  cloudType: CloudTypeEnum
  dataCenterId: String
  networkVolumeId: String
  name: String
  imageName: String
  dockerArgs: String
  port: Port
  ports: String
  stopAfter: String
  terminateAfter: String
  volumeMountPath: String
  env: [EnvironmentVariableInput]
  templateId: String
  startJupyter: Boolean
  startSsh: Boolean
  minDownload: Int
  minUpload: Int
  minDisk: Int
  countryCode: String
  supportPublicIp: Boolean
  allowedCudaVersions: [String]
  minCudaVersion: String
  containerRegistryAuthId: String
}

input PodStopInput { podId: String! incrementVersion: Boolean }
input PodResumeInput { podId: String! gpuCount: Int syncMachine: Boolean }
input PodBidResumeInput { podId: String! bidPerGpu: Float! gpuCount: Int }
input PodTerminateInput { podId: String! }

input CreateNetworkVolumeInput { name: String size: Int dataCenterId: String! }
input UpdateNetworkVolumeInput { id: String! name: String size: Int }
input DeleteNetworkVolumeInput { id: String! }
`;

export const runpodSchema = buildSchema(SDL + POD_SDL);

/**
 * `Port` is a scalar in RunPod's schema; without a parser graphql-js would take any value for it, so a port
 * out of range or not a whole number is refused here like any other input of the wrong type.
 */
const port = runpodSchema.getType('Port') as GraphQLScalarType;
const checkPort = (value: unknown): number => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65_535) return value;
  throw new GraphQLError(`Port cannot represent a non-port value: ${JSON.stringify(value)}`);
};
port.parseValue = checkPort;
port.parseLiteral = (node: ValueNode) => checkPort(node.kind === Kind.INT ? Number(node.value) : undefined);
port.serialize = checkPort;

/**
 * `Pod.desiredStatus` is the seed's `PodStatus` enum. `setRawStatus` can show a status the adapter has never
 * seen, the way RunPod would by adding an enum value: such a value is sent as it is, where graphql-js would
 * refuse to serialize a value its enum does not list.
 */
const podStatus = runpodSchema.getType('PodStatus') as GraphQLEnumType;
const serializeListed = podStatus.serialize.bind(podStatus);
podStatus.serialize = (value: unknown) => (typeof value === 'string' ? value : serializeListed(value));
