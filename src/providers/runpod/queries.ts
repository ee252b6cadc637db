/**
 * The GraphQL documents the adapter sends. User strings always travel in `variables`, never inside the
 * query text (SDKs that splice them into literals have had escaping bugs).
 */

const POD_FIELDS = `
fragment PodFields on Pod {
  id
  name
  desiredStatus
  podType
  imageName
  gpuCount
  vcpuCount
  memoryInGb
  containerDiskInGb
  volumeInGb
  costPerHr
  env
  ports
  lastStatusChange
  lastStartedAt
  createdAt
  uptimeSeconds
  machineId
  machine { podHostId gpuTypeId gpuDisplayName dataCenterId location secureCloud }
  runtime { uptimeInSeconds ports { ip isIpPublic privatePort publicPort type } gpus { id gpuUtilPercent } }
}`;

export interface GraphqlOperation {
  /** Operation name: also the metrics route (`POST /graphql#<name>`). */
  name: string;
  query: string;
  /** Reads may be sent again after a network failure; creates never. */
  retrySafe: boolean;
}

export const VERIFY: GraphqlOperation = {
  name: 'Myself',
  query: 'query Myself { myself { id } }',
  retrySafe: true,
};

/**
 * Offers in one request: the GPU types with their prices, the stock of each type at each data center, and
 * (through aliases of `lowestPrice`) whether pods of 2, 4 and 8 GPUs can be had at all right now.
 */
export const CATALOG: GraphqlOperation = {
  name: 'Catalog',
  query: `query Catalog {
  gpuTypes {
    id displayName manufacturer memoryInGb secureCloud communityCloud
    maxGpuCount maxGpuCountSecureCloud maxGpuCountCommunityCloud
    securePrice communityPrice secureSpotPrice communitySpotPrice
    lowestPrice(input: { gpuCount: 1 }) { minimumBidPrice uninterruptablePrice minVcpu minMemory stockStatus }
    lowestPrice2: lowestPrice(input: { gpuCount: 2 }) { stockStatus }
    lowestPrice4: lowestPrice(input: { gpuCount: 4 }) { stockStatus }
    lowestPrice8: lowestPrice(input: { gpuCount: 8 }) { stockStatus }
  }
  dataCenters { id name location listed gpuAvailability { gpuTypeId stockStatus } }
}`,
  retrySafe: true,
};

export const SPOT_PRICE: GraphqlOperation = {
  name: 'SpotPrice',
  query: `query SpotPrice($input: GpuTypeFilter) {
  gpuTypes(input: $input) { id secureSpotPrice communitySpotPrice }
}`,
  retrySafe: true,
};

/** Every pod of the account in one call: `myself.pods` has no pagination. */
export const LIST_PODS: GraphqlOperation = {
  name: 'Pods',
  query: `query Pods { myself { id pods { ...PodFields } } }
${POD_FIELDS}`,
  retrySafe: true,
};

export const GET_POD: GraphqlOperation = {
  name: 'Pod',
  query: `query Pod($input: PodFilter) { pod(input: $input) { ...PodFields } }
${POD_FIELDS}`,
  retrySafe: true,
};

export const DEPLOY_ON_DEMAND: GraphqlOperation = {
  name: 'podFindAndDeployOnDemand',
  query: `mutation podFindAndDeployOnDemand($input: PodFindAndDeployOnDemandInput) {
  podFindAndDeployOnDemand(input: $input) { ...PodFields }
}
${POD_FIELDS}`,
  retrySafe: false,
};

export const RENT_INTERRUPTABLE: GraphqlOperation = {
  name: 'podRentInterruptable',
  query: `mutation podRentInterruptable($input: PodRentInterruptableInput!) {
  podRentInterruptable(input: $input) { ...PodFields }
}
${POD_FIELDS}`,
  retrySafe: false,
};

/** Stopping twice leaves the pod stopped: safe to repeat. */
export const STOP: GraphqlOperation = {
  name: 'podStop',
  query: 'mutation podStop($input: PodStopInput!) { podStop(input: $input) { id desiredStatus } }',
  retrySafe: true,
};

// `PodResumeInput` has no CUDA field: sending one is a validation error, whatever the docs example shows.
export const RESUME: GraphqlOperation = {
  name: 'podResume',
  query: 'mutation podResume($input: PodResumeInput!) { podResume(input: $input) { id desiredStatus } }',
  retrySafe: false,
};

export const BID_RESUME: GraphqlOperation = {
  name: 'podBidResume',
  query: 'mutation podBidResume($input: PodBidResumeInput!) { podBidResume(input: $input) { id desiredStatus } }',
  retrySafe: false,
};

/** A repeated terminate answers "not found", which reads as done. */
export const TERMINATE: GraphqlOperation = {
  name: 'podTerminate',
  query: 'mutation podTerminate($input: PodTerminateInput!) { podTerminate(input: $input) }',
  retrySafe: true,
};

// ---- network volumes -----------------------------------------------------------------------------
// The inputs are spelled out around scalar variables, as RunPod's own Pulumi provider and dstack send them, so
// nothing depends on the names of the input types (the tools in the field disagree on them).

/**
 * Every network volume of the account and, in the same request, which pod has which volume: RunPod's
 * `NetworkVolume` does not say, so attachment is read from the pods (stopped ones included).
 */
export const LIST_VOLUMES: GraphqlOperation = {
  name: 'NetworkVolumes',
  query: 'query NetworkVolumes { myself { id networkVolumes { id name size dataCenterId } pods { id networkVolumeId } } }',
  retrySafe: true,
};

/** The volumes alone: a rename needs the current name's tag, a create with a volume its data center. */
export const VOLUME_NAMES: GraphqlOperation = {
  name: 'NetworkVolumeNames',
  query: 'query NetworkVolumeNames { myself { id networkVolumes { id name size dataCenterId } } }',
  retrySafe: true,
};

export const CREATE_VOLUME: GraphqlOperation = {
  name: 'createNetworkVolume',
  query: `mutation createNetworkVolume($name: String!, $size: Int!, $dataCenterId: String!) {
  createNetworkVolume(input: { name: $name, size: $size, dataCenterId: $dataCenterId }) { id name size dataCenterId }
}`,
  retrySafe: false,
};

/** Setting a name or a size twice gives the same volume: safe to repeat. A variable left out changes nothing. */
export const UPDATE_VOLUME: GraphqlOperation = {
  name: 'updateNetworkVolume',
  query: `mutation updateNetworkVolume($id: String!, $name: String, $size: Int) {
  updateNetworkVolume(input: { id: $id, name: $name, size: $size }) { id name size dataCenterId }
}`,
  retrySafe: true,
};

/** A repeated delete answers "not found", which reads as done. */
export const DELETE_VOLUME: GraphqlOperation = {
  name: 'deleteNetworkVolume',
  query: 'mutation deleteNetworkVolume($id: String!) { deleteNetworkVolume(input: { id: $id }) }',
  retrySafe: true,
};
