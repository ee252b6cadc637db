import type { DatacenterInfo, Offer, SeriesInfo } from '../../../src/contract/catalog.ts';
import type { GpuVmDetails, Job } from '../../../src/contract/gpu-vm.ts';
import type { SshKey } from '../../../src/contract/ssh-keys.ts';
import type { Volume, VolumeOption } from '../../../src/contract/volumes.ts';

/** API-shaped records for the fake server, with just enough variety to tell rows apart. */

export const H100: SeriesInfo = {
  id: '11111111-1111-4111-8111-111111111111',
  code: 'h100_series',
  name: 'H100 Series',
  description: 'NVIDIA H100 80GB',
};
export const A100: SeriesInfo = {
  id: '22222222-2222-4222-8222-222222222222',
  code: 'a100_series',
  name: 'A100 Series',
  description: 'NVIDIA A100 80GB',
};

export const FIN: DatacenterInfo = {
  id: '33333333-3333-4333-8333-333333333333',
  name: 'Helsinki 1',
  code: 'verda-fin-01',
  region: 'europe',
  country: 'Finland',
  countryAbbr: 'FI',
  provider: 'verda',
};

export function vm(overrides: Partial<GpuVmDetails> = {}): GpuVmDetails {
  return {
    id: 'aaaaaaaa-0000-4000-8000-000000000001',
    name: 'trainer',
    status: 'Running',
    configuration: {
      code: 'h100_series',
      name: 'H100 Series',
      gpuCount: 1,
      cpu: 22,
      ram: 185,
      disk: 100,
      skuCode: 'h100-1x',
      skuId: null,
    },
    datacenter: { id: FIN.id, name: FIN.name, region: FIN.region, country: FIN.country, countryAbbr: FIN.countryAbbr },
    createdAt: '2025-03-01T10:00:00.000Z',
    updatedAt: '2025-03-01T10:05:00.000Z',
    deletedAt: null,
    hasStoredCredentials: false,
    sshKeyId: null,
    sshKeyName: 'laptop',
    username: 'ubuntu',
    image: 'ubuntu-24.04',
    ip: '203.0.113.7',
    jupyterUrl: null,
    resourceGroupId: null,
    resourceGroupName: null,
    provider: 'verda',
    providerAccountId: null,
    providerInstanceId: 'inst-1',
    providerStatus: 'running',
    statusReason: null,
    machineKind: 'vm',
    spot: false,
    ipIsPrivate: false,
    sshPort: 22,
    pricePerHour: { amount: 2.19, currency: 'usd' },
    accruedCost: null,
    billsWhileStopped: false,
    ttl: null,
    idle: null,
    syncedAt: null,
    stale: false,
    startupScript: null,
    env: {},
    secretEnvNames: [],
    ports: [],
    endpoints: [],
    volumes: [],
    templateId: null,
    ...overrides,
  };
}

export function job(overrides: Partial<Job> = {}): Job {
  return {
    jobId: 'bbbbbbbb-0000-4000-8000-000000000001',
    resourceType: 'virtual_machine',
    resourceDisplayName: 'GPU VM',
    operation: 'create',
    stage: 'queued',
    progressPercentage: 0,
    message: 'queued',
    errorMessage: null,
    estimatedCompletion: null,
    timeRemaining: null,
    canRetry: false,
    isCompleted: false,
    hasFailed: false,
    resourceId: 'aaaaaaaa-0000-4000-8000-000000000001',
    resourceName: 'trainer',
    createdAt: '2025-03-01T10:00:00.000Z',
    updatedAt: '2025-03-01T10:00:00.000Z',
    attempts: [],
    ...overrides,
  };
}

export function sshKey(overrides: Partial<SshKey> = {}): SshKey {
  return {
    id: 'cccccccc-0000-4000-8000-000000000001',
    entityId: '00000000-0000-4000-8000-000000000001',
    name: 'laptop',
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample laptop',
    fingerprint: 'SHA256:abc',
    algorithm: 'ed25519',
    algorithmDisplayName: 'ED25519',
    isDefault: false,
    createdAt: '2025-03-01T10:00:00.000Z',
    updatedAt: '2025-03-01T10:00:00.000Z',
    deletedAt: null,
    ...overrides,
  };
}

export function offer(overrides: Partial<Offer> = {}): Offer {
  return {
    skuId: 'dddddddd-0000-4000-8000-000000000001',
    skuCode: 'verda-h100-1x',
    description: '1x H100 80GB',
    provider: 'verda',
    providerAccountId: 'eeeeeeee-0000-4000-8000-000000000001',
    providerSkuName: '1H100.80S.22V',
    providerSkuId: '1H100.80S.22V',
    providerLocationCode: 'FIN-01',
    series: { id: H100.id, code: H100.code, name: H100.name },
    datacenter: FIN,
    gpuCount: 1,
    gpu: { model: 'H100', memoryGiB: 80, interconnect: 'SXM' },
    specs: { gpuDescription: '1x H100 80GB', vcpu: 22, memoryGiB: 185, storageGB: 100 },
    pricePerHour: { amount: 2.19, currency: 'usd' },
    available: true,
    spot: false,
    machineKind: 'vm',
    billsWhileStopped: true,
    reportsGpuUtilization: false,
    takesVolumes: true,
    unmapped: false,
    ...overrides,
  };
}

export function volume(overrides: Partial<Volume> = {}): Volume {
  return {
    id: '77777777-0000-4000-8000-000000000001',
    entityId: '00000000-0000-4000-8000-000000000001',
    name: 'datasets',
    status: 'Available',
    provider: 'verda',
    providerAccountId: 'eeeeeeee-0000-4000-8000-000000000001',
    providerVolumeId: 'vol-1',
    providerStatus: 'detached',
    datacenter: { id: FIN.id, code: FIN.code, name: FIN.name },
    type: 'NVMe',
    sizeGB: 500,
    pricePerGBMonth: { amount: 0.2, currency: 'usd' },
    accruedCost: { amount: 1.37, currency: 'usd' },
    resourceGroupId: null,
    attachedTo: [],
    mountHint: 'an unformatted block device (/dev/vdb)',
    lastError: null,
    createdAt: '2025-03-01T10:00:00.000Z',
    updatedAt: '2025-03-01T10:00:00.000Z',
    deletedAt: null,
    syncedAt: '2025-03-01T10:01:00.000Z',
    ...overrides,
  };
}

export function volumeOption(overrides: Partial<VolumeOption> = {}): VolumeOption {
  return {
    datacenter: { id: FIN.id, code: FIN.code, name: FIN.name },
    provider: 'verda',
    kind: 'block volume',
    types: ['NVMe', 'HDD'],
    minSizeGB: 1,
    maxSizeGB: 10_000,
    resize: true,
    rename: true,
    attachToExisting: true,
    attachRequiresStopped: true,
    maxPerInstance: 8,
    mountHint: 'an unformatted block device (/dev/vdb)',
    ...overrides,
  };
}
