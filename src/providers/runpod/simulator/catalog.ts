/**
 * The simulated RunPod catalog: GPU types with per-GPU-hour prices in USD close to RunPod's public price
 * list, and data centers with a number of 8-GPU (or smaller) host machines per GPU type.
 */
export interface SimGpuType {
  id: string;
  displayName: string;
  manufacturer: 'Nvidia' | 'AMD';
  memoryInGb: number;
  cudaCores: number;
  /** Per GPU-hour; null where that cloud does not sell the type. */
  securePrice: number | null;
  communityPrice: number | null;
  secureSpotPrice: number | null;
  communitySpotPrice: number | null;
  maxGpuCount: number;
  vcpuPerGpu: number;
  ramPerGpu: number;
}

export const GPU_TYPES: readonly SimGpuType[] = [
  gpu('NVIDIA B200', 'B200', 'Nvidia', 180, 18944, [5.99, null, 3.59, null], 8, 28, 283),
  gpu('NVIDIA H200', 'H200 SXM', 'Nvidia', 141, 16896, [3.99, 3.59, 2.39, 2.19], 8, 24, 188),
  gpu('NVIDIA H100 80GB HBM3', 'H100 SXM', 'Nvidia', 80, 16896, [2.99, 2.69, 1.75, 1.55], 8, 20, 125),
  gpu('NVIDIA H100 PCIe', 'H100 PCIe', 'Nvidia', 80, 14592, [2.39, 1.99, 1.35, 1.25], 8, 16, 188),
  gpu('NVIDIA H100 NVL', 'H100 NVL', 'Nvidia', 94, 16896, [2.79, 2.59, 1.59, 1.45], 8, 16, 94),
  gpu('NVIDIA A100-SXM4-80GB', 'A100 SXM', 'Nvidia', 80, 6912, [1.89, 1.39, 1.19, 0.89], 8, 16, 125),
  gpu('NVIDIA A100 80GB PCIe', 'A100 PCIe', 'Nvidia', 80, 6912, [1.64, 1.19, 0.99, 0.79], 8, 8, 117),
  gpu('NVIDIA L40S', 'L40S', 'Nvidia', 48, 18176, [0.86, 0.79, 0.53, 0.49], 8, 16, 62),
  gpu('NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada', 'Nvidia', 48, 18176, [0.77, 0.74, 0.52, 0.45], 8, 10, 62),
  gpu('NVIDIA RTX A6000', 'RTX A6000', 'Nvidia', 48, 10752, [0.49, 0.33, 0.25, 0.22], 8, 8, 50),
  gpu('NVIDIA A40', 'A40', 'Nvidia', 48, 10752, [0.4, null, 0.2, null], 8, 9, 50),
  gpu('NVIDIA GeForce RTX 4090', 'RTX 4090', 'Nvidia', 24, 16384, [0.69, 0.34, 0.35, 0.2], 8, 6, 41),
  gpu('NVIDIA L4', 'L4', 'Nvidia', 24, 7424, [0.43, 0.38, 0.22, 0.19], 8, 12, 50),
  gpu('Tesla V100-SXM2-16GB', 'V100 SXM2', 'Nvidia', 16, 5120, [null, 0.25, null, 0.13], 4, 8, 47),
  gpu('AMD Instinct MI300X OAM', 'MI300X', 'AMD', 192, 0, [2.49, null, 1.49, null], 8, 24, 283),
];

function gpu(
  id: string,
  displayName: string,
  manufacturer: SimGpuType['manufacturer'],
  memoryInGb: number,
  cudaCores: number,
  [securePrice, communityPrice, secureSpotPrice, communitySpotPrice]: (number | null)[],
  maxGpuCount: number,
  vcpuPerGpu: number,
  ramPerGpu: number,
): SimGpuType {
  return {
    id,
    displayName,
    manufacturer,
    memoryInGb,
    cudaCores,
    securePrice: securePrice ?? null,
    communityPrice: communityPrice ?? null,
    secureSpotPrice: secureSpotPrice ?? null,
    communitySpotPrice: communitySpotPrice ?? null,
    maxGpuCount,
    vcpuPerGpu,
    ramPerGpu,
  };
}

export interface SimDataCenter {
  id: string;
  name: string;
  location: string;
  /** Host machines per GPU type id. */
  machines: Record<string, number>;
}

export const DATA_CENTERS: readonly SimDataCenter[] = [
  dc('EU-RO-1', 'Romania', {
    'NVIDIA H100 80GB HBM3': 3,
    'NVIDIA A100-SXM4-80GB': 2,
    'NVIDIA GeForce RTX 4090': 4,
    'NVIDIA RTX A6000': 2,
    'NVIDIA L40S': 2,
  }),
  dc('EU-SE-1', 'Sweden', { 'NVIDIA H100 PCIe': 2, 'NVIDIA A100 80GB PCIe': 2, 'NVIDIA RTX 6000 Ada Generation': 2 }),
  dc('EUR-IS-1', 'Iceland', { 'NVIDIA H200': 2, 'NVIDIA H100 NVL': 2, 'NVIDIA GeForce RTX 4090': 3, 'NVIDIA L4': 2 }),
  dc('EU-CZ-1', 'Czech Republic', { 'NVIDIA RTX A6000': 2, 'NVIDIA A40': 3, 'Tesla V100-SXM2-16GB': 2 }),
  dc('US-TX-3', 'Texas, United States', {
    'NVIDIA B200': 2,
    'NVIDIA H200': 2,
    'NVIDIA H100 80GB HBM3': 4,
    'NVIDIA L40S': 3,
    'AMD Instinct MI300X OAM': 1,
  }),
  dc('US-GA-1', 'Georgia, United States', { 'NVIDIA H100 80GB HBM3': 2, 'NVIDIA A100 80GB PCIe': 2, 'NVIDIA L4': 2 }),
  dc('US-CA-2', 'California, United States', {
    'NVIDIA RTX 6000 Ada Generation': 2,
    'NVIDIA GeForce RTX 4090': 2,
    'NVIDIA A40': 2,
  }),
  dc('CA-MTL-1', 'Quebec, Canada', { 'NVIDIA H100 PCIe': 2, 'NVIDIA RTX A6000': 3, 'Tesla V100-SXM2-16GB': 1 }),
  dc('AP-JP-1', 'Japan', { 'NVIDIA H100 80GB HBM3': 1, 'NVIDIA L40S': 1, 'NVIDIA GeForce RTX 4090': 1 }),
];

function dc(id: string, location: string, machines: Record<string, number>): SimDataCenter {
  return { id, name: id, location, machines };
}

export function findGpuType(id: string): SimGpuType | undefined {
  return GPU_TYPES.find((t) => t.id === id);
}

export function findDataCenter(id: string): SimDataCenter | undefined {
  return DATA_CENTERS.find((d) => d.id === id);
}

/**
 * `cpuTypes`: the host CPUs the simulated hosts could carry. Ids are the model strings the CPUs report;
 * the numbers are the parts' real core and thread counts. Nothing in the simulator places pods by CPU.
 */
export interface SimCpuType {
  id: string;
  displayName: string;
  manufacturer: 'AMD' | 'Intel';
  cores: number;
  threadsPerCore: number;
}

export const CPU_TYPES: readonly SimCpuType[] = [
  cpu('AMD EPYC 9654 96-Core Processor', 'EPYC 9654', 'AMD', 96),
  cpu('AMD EPYC 9474F 48-Core Processor', 'EPYC 9474F', 'AMD', 48),
  cpu('AMD EPYC 7763 64-Core Processor', 'EPYC 7763', 'AMD', 64),
  cpu('AMD EPYC 7543 32-Core Processor', 'EPYC 7543', 'AMD', 32),
  cpu('Intel(R) Xeon(R) Platinum 8480+', 'Xeon Platinum 8480+', 'Intel', 56),
  cpu('Intel(R) Xeon(R) Gold 6342 CPU @ 2.80GHz', 'Xeon Gold 6342', 'Intel', 24),
];

function cpu(id: string, displayName: string, manufacturer: SimCpuType['manufacturer'], cores: number): SimCpuType {
  return { id, displayName, manufacturer, cores, threadsPerCore: 2 };
}

/**
 * Host disk and network speeds, which the simulator does not vary per host: Secure Cloud hosts sit in
 * data centers with fast links, Community Cloud hosts behind slower ones.
 */
export const HOST_LINKS = {
  SECURE: { diskMBps: 3000, maxDownloadSpeedMbps: 10_000, maxUploadSpeedMbps: 10_000 },
  COMMUNITY: { diskMBps: 1500, maxDownloadSpeedMbps: 1000, maxUploadSpeedMbps: 1000 },
} as const;
