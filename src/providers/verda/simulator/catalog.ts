/**
 * The simulated Verda catalog: locations, instance types with their prices per instance-hour (USD, close to
 * Verda's public list prices), OS images and how many GPUs each location has per GPU family.
 */

export interface SimLocation {
  code: string;
  name: string;
  country_code: string;
}

export const SIM_LOCATIONS: readonly SimLocation[] = [
  { code: 'FIN-01', name: 'Finland 1', country_code: 'FI' },
  { code: 'FIN-02', name: 'Finland 2', country_code: 'FI' },
  { code: 'FIN-03', name: 'Finland 3', country_code: 'FI' },
  { code: 'ICE-01', name: 'Iceland 1', country_code: 'IS' },
];

export interface SimImage {
  id: string;
  image_type: string;
  name: string;
  is_default: boolean;
  details: string[];
  category: string;
  is_cluster: boolean;
}

const image = (id: string, imageType: string, name: string, details: string[], category = 'ubuntu'): SimImage => ({
  id,
  image_type: imageType,
  name,
  is_default: imageType === 'ubuntu-24.04-cuda-12.8-open-docker',
  details,
  category,
  is_cluster: false,
});

export const SIM_IMAGES: readonly SimImage[] = [
  image('342377e1-9f51-4c30-8797-1e12f6ae1d22', 'ubuntu-24.04', 'Ubuntu 24.04', ['Ubuntu 24.04', 'Minimal Image']),
  image('5c1f2f5e-0d4b-4f43-9a5a-1b7c7b9b2a10', 'ubuntu-22.04', 'Ubuntu 22.04', ['Ubuntu 22.04', 'Minimal Image']),
  image('2404f580-1300-1111-82b3-f199fb9b701b', 'ubuntu-24.04-cuda-12.8-open-docker', 'Ubuntu 24.04 + CUDA 12.8 Open + Docker', [
    'Ubuntu 24.04',
    'CUDA 12.8',
    'NVIDIA open kernel modules',
    'Docker',
  ]),
  image('7a0c0b47-3c1e-4a8e-9b7f-2d1d0c6e5f21', 'ubuntu-24.04-cuda-12.6-docker', 'Ubuntu 24.04 + CUDA 12.6 + Docker', [
    'Ubuntu 24.04',
    'CUDA 12.6',
    'Docker',
  ]),
  image('9e4b8d1a-6f2c-4b3d-8e7a-5c9d0f1a2b34', 'ubuntu-22.04-cuda-12.8-open-docker', 'Ubuntu 22.04 + CUDA 12.8 Open + Docker', [
    'Ubuntu 22.04',
    'CUDA 12.8',
    'NVIDIA open kernel modules',
    'Docker',
  ]),
  image('c3d2e1f0-4a5b-4c6d-8e7f-9a0b1c2d3e45', 'ubuntu-22.04-cuda-12.4-docker', 'Ubuntu 22.04 + CUDA 12.4 + Docker', [
    'Ubuntu 22.04',
    'CUDA 12.4',
    'Docker',
  ]),
  image(
    'e5f6a7b8-1c2d-4e3f-9a4b-5c6d7e8f9a01',
    'jupyter',
    'Jupyter Notebook',
    ['Ubuntu 22.04', 'CUDA 12.4', 'JupyterLab'],
    'jupyter',
  ),
];

const MINIMAL = ['ubuntu-24.04', 'ubuntu-22.04'];
/** Blackwell cards need the open kernel modules. */
const BLACKWELL_OS = [...MINIMAL, 'ubuntu-24.04-cuda-12.8-open-docker', 'ubuntu-22.04-cuda-12.8-open-docker', 'jupyter'];
/** The open-module images do not boot on V100 and A6000 (as on the real cloud). */
const LEGACY_OS = [...MINIMAL, 'ubuntu-24.04-cuda-12.6-docker', 'ubuntu-22.04-cuda-12.4-docker', 'jupyter'];
const ALL_GPU_OS = SIM_IMAGES.map((i) => i.image_type);

interface Family {
  key: string;
  model: string;
  /** Verda's GPU name, e.g. `H100 SXM5 80GB`. */
  name: string;
  manufacturer: string;
  memoryPerGpuGb: number;
  /** On-demand and spot price per GPU-hour, USD. */
  price: number;
  spot: number | null;
  p2p: string | null;
  os: string[];
  bestFor: string[];
  /** [GPU count, vCPUs, RAM GB, instance type name]. */
  sizes: [number, number, number, string][];
  /** Local NVMe that comes with the type (most types: "dynamic", chosen at create). */
  storagePerGpuGb?: number;
}

const FAMILIES: readonly Family[] = [
  {
    key: 'B200',
    model: 'B200',
    name: 'B200 SXM6 180GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 180,
    price: 3.79,
    spot: 1.39,
    p2p: '1.8 TB/s',
    os: BLACKWELL_OS,
    bestFor: ['Giant ML models', 'Multi-GPU training', 'NVLINK'],
    sizes: [
      [1, 30, 184, '1B200.30V'],
      [2, 60, 368, '2B200.60V'],
      [4, 120, 736, '4B200.120V'],
      [8, 240, 1472, '8B200.240V'],
    ],
  },
  {
    key: 'H200',
    model: 'H200',
    name: 'H200 SXM5 141GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 141,
    price: 3.09,
    spot: 1.19,
    p2p: '900 GB/s',
    os: ALL_GPU_OS,
    bestFor: ['Giant ML models', 'Multi-GPU training', 'NVLINK'],
    sizes: [
      [1, 44, 185, '1H200.141S.44V'],
      [2, 88, 370, '2H200.141S.88V'],
      [4, 176, 740, '4H200.141S.176V'],
      [8, 176, 1450, '8H200.141S.176V'],
    ],
  },
  {
    key: 'H100',
    model: 'H100',
    name: 'H100 SXM5 80GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 80,
    price: 2.29,
    spot: 0.89,
    p2p: '600 GB/s',
    os: ALL_GPU_OS,
    bestFor: ['Giant ML models', 'Multi-GPU training', 'FP64 calculations', 'NVLINK'],
    sizes: [
      [1, 30, 120, '1H100.80S.30V'],
      [2, 60, 240, '2H100.80S.60V'],
      [4, 176, 740, '4H100.80S.176V'],
      [8, 176, 1480, '8H100.80S.176V'],
    ],
  },
  {
    key: 'A100',
    model: 'A100',
    name: 'A100 SXM4 80GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 80,
    price: 1.29,
    spot: 0.52,
    p2p: '600 GB/s',
    os: ALL_GPU_OS,
    bestFor: ['Large ML models', 'Multi-GPU training', 'FP64 calculations'],
    sizes: [
      [1, 22, 120, '1A100.22V'],
      [2, 44, 240, '2A100.44V'],
      [4, 88, 480, '4A100.88V'],
      [8, 176, 960, '8A100.176V'],
    ],
  },
  {
    key: 'L40S',
    model: 'L40S',
    name: 'L40S 48GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 48,
    price: 0.91,
    spot: 0.36,
    p2p: null,
    os: ALL_GPU_OS,
    bestFor: ['Inference', 'Rendering', 'Fine-tuning'],
    sizes: [
      [1, 20, 60, '1L40S.20V'],
      [2, 40, 120, '2L40S.40V'],
      [4, 80, 240, '4L40S.80V'],
      [8, 160, 480, '8L40S.160V'],
    ],
  },
  {
    key: 'RTXPRO6000',
    model: 'RTX PRO 6000',
    name: 'RTX PRO 6000 96GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 96,
    price: 1.39,
    spot: null,
    p2p: null,
    os: BLACKWELL_OS,
    bestFor: ['Inference', 'Rendering', 'Fine-tuning'],
    sizes: [
      [1, 28, 180, '1RTXPRO6000.28V'],
      [2, 56, 360, '2RTXPRO6000.56V'],
      [4, 112, 720, '4RTXPRO6000.112V'],
      [8, 224, 1440, '8RTXPRO6000.224V'],
    ],
  },
  {
    key: 'RTX6000ADA',
    model: 'RTX 6000 Ada',
    name: 'RTX 6000 Ada 48GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 48,
    price: 0.79,
    spot: 0.3,
    p2p: null,
    os: ALL_GPU_OS,
    bestFor: ['Inference', 'Rendering'],
    sizes: [
      [1, 10, 60, '1RTX6000ADA.10V'],
      [2, 20, 120, '2RTX6000ADA.20V'],
      [4, 40, 240, '4RTX6000ADA.40V'],
      [8, 80, 480, '8RTX6000ADA.80V'],
    ],
  },
  {
    key: 'A6000',
    model: 'A6000',
    name: 'RTX A6000 48GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 48,
    price: 0.49,
    spot: 0.2,
    p2p: null,
    os: LEGACY_OS,
    bestFor: ['Inference', 'Small models'],
    sizes: [
      [1, 10, 60, '1A6000.10V'],
      [2, 20, 120, '2A6000.20V'],
      [4, 40, 240, '4A6000.40V'],
      [8, 80, 480, '8A6000.80V'],
    ],
  },
  {
    key: 'V100',
    model: 'Tesla V100',
    name: 'Tesla V100 16GB',
    manufacturer: 'NVIDIA',
    memoryPerGpuGb: 16,
    price: 0.39,
    spot: 0.14,
    p2p: null,
    os: LEGACY_OS,
    bestFor: ['Small models', 'Experiments'],
    storagePerGpuGb: 225,
    sizes: [
      [1, 6, 23, '1V100.6V'],
      [2, 10, 45, '2V100.10V'],
      [4, 20, 90, '4V100.20V'],
      [8, 48, 180, '8V100.48V'],
    ],
  },
];

/** The wire shape of `GET /instance-types`, prices in USD (EUR is derived at request time). */
export interface SimInstanceType {
  id: string;
  instance_type: string;
  family: string;
  model: string;
  name: string;
  display_name: string | null;
  description: string;
  manufacturer: string;
  best_for: string[];
  p2p: string | null;
  deploy_warning: string | null;
  supported_os: string[];
  cpu: { description: string; number_of_cores: number };
  gpu: { description: string; number_of_gpus: number };
  gpu_memory: { description: string; size_in_gigabytes: number };
  memory: { description: string; size_in_gigabytes: number };
  storage: { description: string; size_in_gigabytes?: number };
  priceUsd: number;
  spotUsd: number | null;
}

const typeId = (index: number) => `c01dd00d-0000-4972-ae4e-${index.toString(16).padStart(12, '0')}`;
const round = (value: number) => Math.round(value * 1000) / 1000;

function gpuTypes(): SimInstanceType[] {
  const types: SimInstanceType[] = [];
  for (const family of FAMILIES) {
    for (const [count, vcpu, ram, name] of family.sizes) {
      const storage = family.storagePerGpuGb
        ? { description: `${family.storagePerGpuGb * count}GB NVME`, size_in_gigabytes: family.storagePerGpuGb * count }
        : { description: 'dynamic' };
      types.push({
        id: typeId(types.length + 1),
        instance_type: name,
        family: family.key,
        model: family.model,
        name: family.name,
        // Real data often has null here (seen for older types).
        display_name: family.key === 'V100' ? null : `NVIDIA ${family.name}`,
        description: 'Dedicated Hardware Instance',
        manufacturer: family.manufacturer,
        best_for: family.bestFor,
        p2p: count > 1 ? family.p2p : null,
        deploy_warning: null,
        supported_os: family.os,
        cpu: { description: `${vcpu} CPU`, number_of_cores: vcpu },
        gpu: { description: `${count}x ${family.name}`, number_of_gpus: count },
        gpu_memory: {
          description: `${family.memoryPerGpuGb * count}GB GPU RAM`,
          size_in_gigabytes: family.memoryPerGpuGb * count,
        },
        memory: { description: `${ram}GB RAM`, size_in_gigabytes: ram },
        storage,
        priceUsd: round(family.price * count),
        spotUsd: family.spot === null ? null : round(family.spot * count),
      });
    }
  }
  return types;
}

function cpuType(index: number, vcpu: number, ram: number, price: number): SimInstanceType {
  return {
    id: typeId(index),
    instance_type: `CPU.${vcpu}V.${ram}G`,
    family: 'CPU',
    model: 'CPU Node',
    name: 'AMD EPYC',
    display_name: null,
    description: 'CPU Instance',
    manufacturer: 'AMD',
    best_for: ['Data processing', 'Development'],
    p2p: null,
    deploy_warning: null,
    supported_os: MINIMAL,
    cpu: { description: `${vcpu} CPU`, number_of_cores: vcpu },
    gpu: { description: '', number_of_gpus: 0 },
    gpu_memory: { description: '', size_in_gigabytes: 0 },
    memory: { description: `${ram}GB RAM`, size_in_gigabytes: ram },
    storage: { description: 'dynamic' },
    priceUsd: price,
    spotUsd: null,
  };
}

export const SIM_INSTANCE_TYPES: readonly SimInstanceType[] = [
  ...gpuTypes(),
  cpuType(900, 4, 16, 0.035),
  cpuType(901, 8, 32, 0.07),
];

export function findType(name: string): SimInstanceType | undefined {
  return SIM_INSTANCE_TYPES.find((t) => t.instance_type === name);
}

/** EUR prices are derived from USD with a fixed rate. */
export const EUR_PER_USD = 0.92;

/**
 * GPUs (CPU nodes for `CPU`) per family and location, on-demand and spot pools apart. Spot and on-demand
 * differ on purpose: e.g. A6000 in FIN-01 has on-demand capacity and no spot, V100 in ICE-01 the other way.
 */
export const SIM_CAPACITY: Readonly<Record<string, Readonly<Record<string, { onDemand: number; spot: number }>>>> = {
  'FIN-01': {
    H100: { onDemand: 16, spot: 4 },
    A100: { onDemand: 8, spot: 4 },
    A6000: { onDemand: 8, spot: 0 },
    V100: { onDemand: 8, spot: 8 },
    L40S: { onDemand: 8, spot: 2 },
    CPU: { onDemand: 20, spot: 0 },
  },
  'FIN-02': {
    H200: { onDemand: 8, spot: 0 },
    H100: { onDemand: 4, spot: 4 },
    L40S: { onDemand: 8, spot: 4 },
    RTX6000ADA: { onDemand: 8, spot: 4 },
    RTXPRO6000: { onDemand: 4, spot: 0 },
    CPU: { onDemand: 20, spot: 0 },
  },
  'FIN-03': {
    B200: { onDemand: 8, spot: 2 },
    H200: { onDemand: 8, spot: 4 },
    H100: { onDemand: 8, spot: 0 },
    A100: { onDemand: 4, spot: 4 },
    RTXPRO6000: { onDemand: 8, spot: 0 },
    CPU: { onDemand: 20, spot: 0 },
  },
  'ICE-01': {
    H100: { onDemand: 4, spot: 2 },
    A100: { onDemand: 8, spot: 0 },
    V100: { onDemand: 0, spot: 4 },
    CPU: { onDemand: 10, spot: 0 },
  },
};

/** One entry of `GET /volume-types` (`VolumeType`), with its list price per GB-month in USD. */
export interface SimVolumeType {
  type: string;
  pricePerGBMonthUsd: number;
  isSharedFs: boolean;
  burstBandwidth: number;
  continuousBandwidth: number;
  internalNetworkSpeed: number;
  iops: string;
  throughputGbps: number;
}

/**
 * The volume types the simulated project lists. NVMe is the spec's example (0.20 USD per GB-month); the HDD and
 * shared-filesystem rows are illustrative. Only `NVMe` and `HDD` are block volumes that one instance can use; the
 * shared filesystem is listed (as Verda lists it) but cannot be created here.
 */
export const SIM_VOLUME_TYPES: readonly SimVolumeType[] = [
  {
    type: 'NVMe',
    pricePerGBMonthUsd: 0.2,
    isSharedFs: false,
    burstBandwidth: 2500,
    continuousBandwidth: 2000,
    internalNetworkSpeed: 50,
    iops: '100k',
    throughputGbps: 4,
  },
  {
    type: 'HDD',
    pricePerGBMonthUsd: 0.05,
    isSharedFs: false,
    burstBandwidth: 500,
    continuousBandwidth: 250,
    internalNetworkSpeed: 25,
    iops: '2k',
    throughputGbps: 0.5,
  },
  {
    type: 'NVMe_Shared',
    pricePerGBMonthUsd: 0.25,
    isSharedFs: true,
    burstBandwidth: 2500,
    continuousBandwidth: 2000,
    internalNetworkSpeed: 50,
    iops: '50k',
    throughputGbps: 2,
  },
];

/** The block volume types an instance can attach, and their list price. */
export const SIM_BLOCK_VOLUME_TYPES: readonly string[] = ['NVMe', 'HDD'];

export function volumePricePerGBMonthUsd(type: string): number {
  return SIM_VOLUME_TYPES.find((t) => t.type === type)?.pricePerGBMonthUsd ?? 0;
}
