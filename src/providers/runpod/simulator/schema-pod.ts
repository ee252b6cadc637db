/**
 * RunPod's `Pod` and the types under it, as seed 002 lists their fields. Where the seed names a type but
 * leaves its fields blank (`Gpu`, `GpuTelemetry`, `PodRegistry`), the fields are the ones the real API has.
 * `lastStartedAt`, `createdAt`, `adjustedCostPerHr`, `networkVolumeId`, `networkVolume` and
 * `machine.gpuTypeId`/`dataCenterId` are not in the seed but are on real pods, and the adapter reads some of them.
 */
export const POD_SDL = /* GraphQL */ `
"A TCP port number, 0 to 65535."
scalar Port
"An RFC 3339 date-time string at UTC."
scalar DateTime

type Pod {
  id: String!
  name: String!
  desiredStatus: PodStatus!
  podType: PodType
  imageName: String!
  dockerArgs: String
  dockerId: String
  templateId: String
  apiKey: String
  consumerUserId: String
  containerRegistryAuthId: String
  registry: PodRegistry
  gpuCount: Int!
  gpus: [Gpu]!
  vcpuCount: Float!
  memoryInGb: Float!
  containerDiskInGb: Int
  volumeInGb: Float
  volumeKey: String
  volumeMountPath: String
  networkVolumeId: String
  networkVolume: NetworkVolume
  costPerHr: Float!
  adjustedCostPerHr: Float
  costMultiplier: Float
  lowestBidPriceToResume: Float
  env: [String]
  port: Port
  ports: String
  lastStatusChange: String
  lastStartedAt: String
  createdAt: String
  uptimeSeconds: Int
  version: Int
  machineId: String!
  locked: Boolean
  volumeEncrypted: Boolean!
  gpuPowerLimitPercent: Int!
  machine: PodMachineInfo
  runtime: PodRuntime
  latestTelemetry: PodTelemetry
}

type Gpu {
  id: String
  podId: String
}

type PodRegistry {
  auth: String
  pass: String
  url: String
  user: String
  username: String
}

type PodMachineInfo {
  podHostId: String
  gpuTypeId: String
  gpuDisplayName: String
  gpuAvailable: Int
  dataCenterId: String
  location: String
  secureCloud: Boolean
  supportPublicIp: Boolean
  costPerHr: Float
  currentPricePerGpu: Float
  diskMBps: Int
  maxDownloadSpeedMbps: Int
  maxUploadSpeedMbps: Int
  maintenanceStart: DateTime
  maintenanceEnd: DateTime
  maintenanceNote: String
  note: String
}

type PodRuntime {
  uptimeInSeconds: Int
  ports: [PodRuntimePorts]
  gpus: [PodRuntimeGpus]
  container: PodRuntimeContainer
}

type PodRuntimePorts {
  ip: String
  isIpPublic: Boolean
  privatePort: Int
  publicPort: Int
  type: String
}

type PodRuntimeGpus {
  id: String
  gpuUtilPercent: Int
  memoryUtilPercent: Int
}

type PodRuntimeContainer {
  cpuPercent: Int
  memoryPercent: Int
}

type PodTelemetry {
  state: String
  time: DateTime
  cpuUtilization: Float
  memoryUtilization: Float
  averageGpuMetrics: GpuTelemetry
  individualGpuMetrics: [GpuTelemetry]
  lastStateTransitionTimestamp: Int
}

type GpuTelemetry {
  id: String
  percentUtilization: Float
  temperatureCelcius: Float
  memoryUtilization: Float
  powerWatts: Float
}
`;
