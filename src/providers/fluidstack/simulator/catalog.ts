import type { FilesystemPriceEntry, PriceSheetEntry } from '../settings.ts';
import type { Capability } from '../wire.ts';

/** Credentials the simulator's identity provider accepts unless others are given (documented in the README). */
export const FLUIDSTACK_SIM_CLIENT_ID = 'gpufleet-sim-client';
export const FLUIDSTACK_SIM_CLIENT_SECRET = 'gpufleet-sim-secret';
/** The project every simulated region knows; the account's `projectId`. */
export const FLUIDSTACK_SIM_PROJECT_ID = '3f6c2a9e-8b1d-4c7a-9e52-1d0b7f4a6c21';
/** A second project, only in `fr-par-1` (Atlas projects are per region). */
export const FLUIDSTACK_SIM_RESEARCH_PROJECT_ID = '9a1e4b7c-2d5f-4e8a-b3c6-7f0d2e9a1b54';
export const FLUIDSTACK_SIM_AUDIENCE = 'https://api.fluidstack.io';
export const TOKEN_LIFETIME_SEC = 3600;

export interface SimProject {
  id: string;
  name: string;
  regions: string[];
  tags: Record<string, string>;
}

export const SIM_PROJECTS: SimProject[] = [
  {
    id: FLUIDSTACK_SIM_PROJECT_ID,
    name: 'gpufleet-sandbox',
    regions: ['us-tx-1', 'fr-par-1', 'is-kef-1'],
    tags: { team: 'platform' },
  },
  { id: FLUIDSTACK_SIM_RESEARCH_PROJECT_ID, name: 'research', regions: ['fr-par-1'], tags: { team: 'research' } },
];

/**
 * What `GET /capabilities` grants the simulated token: the operations this simulator serves, so a client
 * never sees a permission for a route that would answer 404 here (no Kubernetes, Slurm, project changes or
 * updates).
 */
export const SIM_CAPABILITIES: readonly Capability[] = [
  'instances:list',
  'instances:create',
  'instances:delete',
  'instances:read',
  'instances:start',
  'instances:stop',
  'filesystems:list',
  'filesystems:create',
  'filesystems:delete',
  'filesystems:read',
  'projects:list',
  'projects:read',
];

/** An Atlas instance type as `GET /instance-types` shows it; CPU-only types have no GPU fields. */
export interface SimInstanceType {
  name: string;
  cpu: number;
  memory: string;
  gpuModel?: string;
  gpuCount?: number;
}

function gpuFamily(prefix: string, gpuModel: string, counts: number[], cpuPerGpu: number, memGiPerGpu: number) {
  return counts.map(
    (n): SimInstanceType => ({
      name: `${prefix}.${n}x`,
      cpu: cpuPerGpu * n,
      memory: `${memGiPerGpu * n}Gi`,
      gpuModel,
      gpuCount: n,
    }),
  );
}

export const SIM_INSTANCE_TYPES: SimInstanceType[] = [
  ...gpuFamily('h100-hgx-80gb', 'GH100_H100_SXM5_80GB', [1, 2, 4, 8], 12, 120),
  ...gpuFamily('h200-hgx-141gb', 'GH100_H200_SXM5_141GB', [1, 2, 4, 8], 14, 240),
  ...gpuFamily('b200-hgx-180gb', 'GB100_B200_SXM6_180GB', [8], 18, 256),
  ...gpuFamily('a100-sxm4-80gb', 'GA100_A100_SXM4_80GB', [1, 2, 4, 8], 12, 120),
  ...gpuFamily('l40s-pcie-48gb', 'AD102_L40S_PCIE_48GB', [1, 2, 4, 8], 8, 64),
  { name: 'cpu.2x', cpu: 2, memory: '8Gi' },
  { name: 'cpu.8x', cpu: 8, memory: '32Gi' },
];

/** Each region offers some of the types, with this many instances of each that can run at once. */
export const SIM_REGIONS: { name: string; capacity: Record<string, number> }[] = [
  {
    name: 'us-tx-1',
    capacity: {
      'h100-hgx-80gb.1x': 8,
      'h100-hgx-80gb.2x': 4,
      'h100-hgx-80gb.4x': 2,
      'h100-hgx-80gb.8x': 2,
      'h200-hgx-141gb.1x': 4,
      'h200-hgx-141gb.8x': 1,
      'a100-sxm4-80gb.1x': 6,
      'a100-sxm4-80gb.2x': 3,
      'a100-sxm4-80gb.4x': 2,
      'a100-sxm4-80gb.8x': 1,
      'l40s-pcie-48gb.1x': 8,
      'l40s-pcie-48gb.2x': 4,
      'l40s-pcie-48gb.4x': 2,
      'cpu.2x': 20,
      'cpu.8x': 10,
    },
  },
  {
    name: 'fr-par-1',
    capacity: {
      'h100-hgx-80gb.1x': 4,
      'h100-hgx-80gb.8x': 1,
      'a100-sxm4-80gb.1x': 4,
      'a100-sxm4-80gb.8x': 1,
      'l40s-pcie-48gb.1x': 6,
      'l40s-pcie-48gb.2x': 3,
      'l40s-pcie-48gb.4x': 2,
      'l40s-pcie-48gb.8x': 1,
      'cpu.2x': 10,
    },
  },
  {
    name: 'is-kef-1',
    capacity: {
      'h100-hgx-80gb.8x': 2,
      'h200-hgx-141gb.1x': 4,
      'h200-hgx-141gb.2x': 2,
      'h200-hgx-141gb.4x': 2,
      'h200-hgx-141gb.8x': 2,
      // Listed, but sold out: an offer that is never available.
      'b200-hgx-180gb.8x': 0,
      'cpu.8x': 4,
    },
  },
];

/** Images the simulated regions accept (`image://…`); responses show them without the prefix. */
export const SIM_IMAGES = ['ubuntu22.04', 'ubuntu24.04'];

function perGpu(prefix: string, counts: number[], onDemand: number, preemptible: number | null): PriceSheetEntry[] {
  return counts.flatMap((n) => [
    { instanceType: `${prefix}.${n}x`, pricePerHour: round(onDemand * n), currency: 'usd' },
    ...(preemptible === null
      ? []
      : [{ instanceType: `${prefix}.${n}x`, pricePerHour: round(preemptible * n), currency: 'usd', preemptible: true }]),
  ]);
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * The simulated contract's prices, per VM-hour (Atlas publishes none). Iceland's H100 is cheaper than the
 * general rate; `l40s-pcie-48gb.4x` is deliberately absent so one type is listed without a price, and B200 has
 * no preemptible rate.
 */
export const SIM_PRICE_SHEET: PriceSheetEntry[] = [
  ...perGpu('h100-hgx-80gb', [1, 2, 4, 8], 2.1, 1.3),
  { instanceType: 'h100-hgx-80gb.8x', pricePerHour: 16, currency: 'usd', region: 'is-kef-1' },
  ...perGpu('h200-hgx-141gb', [1, 2, 4, 8], 2.6, 1.7),
  ...perGpu('b200-hgx-180gb', [8], 4.2, null),
  ...perGpu('a100-sxm4-80gb', [1, 2, 4, 8], 1.35, 0.85),
  ...perGpu('l40s-pcie-48gb', [1, 2, 8], 0.9, 0.55),
];

/** The simulated contract's filesystem prices per GB-month (Atlas publishes none); Iceland's are cheaper. */
export const SIM_FILESYSTEM_PRICE_SHEET: FilesystemPriceEntry[] = [
  { pricePerGBMonth: 0.07, currency: 'usd' },
  { pricePerGBMonth: 0.05, currency: 'usd', region: 'is-kef-1' },
];
