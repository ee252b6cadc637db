import type { Series } from '../core/domain/types.ts';
import { slug, stableUuid } from './ids.ts';

interface KnownSeries {
  /** Canonical GPU model names adapters report (`GpuSpec.model`). */
  models: string[];
  code: string;
  name: string;
  description: string;
}

/** The GPU series gpufleet's catalog knows (GPCN `configuration.code`/`name`). */
const KNOWN: KnownSeries[] = [
  { models: ['B200'], code: 'b200_series', name: 'B200 Series', description: 'NVIDIA B200 (Blackwell), 180 GB HBM3e' },
  { models: ['H200'], code: 'h200_series', name: 'H200 Series', description: 'NVIDIA H200 (Hopper), 141 GB HBM3e' },
  { models: ['GH200'], code: 'gh200_series', name: 'GH200 Series', description: 'NVIDIA GH200 Grace Hopper superchip' },
  { models: ['H100'], code: 'h100_series', name: 'H100 Series', description: 'NVIDIA H100 (Hopper), 80 GB' },
  { models: ['A100'], code: 'a100_series', name: 'A100 Series', description: 'NVIDIA A100 (Ampere), 40 or 80 GB' },
  { models: ['L40S'], code: 'l40s_series', name: 'L40S Series', description: 'NVIDIA L40S (Ada), 48 GB' },
  { models: ['L40'], code: 'l40_series', name: 'L40 Series', description: 'NVIDIA L40 (Ada), 48 GB' },
  { models: ['RTX 6000 Ada'], code: 'rtx6000ada_series', name: 'RTX 6000 Ada Series', description: 'NVIDIA RTX 6000 Ada, 48 GB' },
  { models: ['RTX A6000'], code: 'rtxa6000_series', name: 'RTX A6000 Series', description: 'NVIDIA RTX A6000 (Ampere), 48 GB' },
  { models: ['A40'], code: 'a40_series', name: 'A40 Series', description: 'NVIDIA A40 (Ampere), 48 GB' },
  { models: ['RTX 5090'], code: 'rtx5090_series', name: 'RTX 5090 Series', description: 'NVIDIA GeForce RTX 5090, 32 GB' },
  { models: ['RTX 4090'], code: 'rtx4090_series', name: 'RTX 4090 Series', description: 'NVIDIA GeForce RTX 4090, 24 GB' },
  { models: ['L4'], code: 'l4_series', name: 'L4 Series', description: 'NVIDIA L4 (Ada), 24 GB' },
  { models: ['A10'], code: 'a10_series', name: 'A10 Series', description: 'NVIDIA A10 (Ampere), 24 GB' },
  { models: ['V100'], code: 'v100_series', name: 'V100 Series', description: 'NVIDIA V100 (Volta), 16 or 32 GB' },
  { models: ['MI300X'], code: 'mi300x_series', name: 'MI300X Series', description: 'AMD Instinct MI300X, 192 GB' },
];

export interface ResolvedSeries extends Series {
  /** The provider reported a GPU model the catalog does not know; it is listed under its own name. */
  unmapped: boolean;
}

const byModel = new Map<string, ResolvedSeries>();
for (const s of KNOWN) {
  const series: ResolvedSeries = {
    id: stableUuid(`series:${s.code}`),
    code: s.code,
    name: s.name,
    description: s.description,
    unmapped: false,
  };
  for (const model of s.models) byModel.set(model.toLowerCase(), series);
}

export const KNOWN_SERIES: readonly ResolvedSeries[] = [...new Map([...byModel.values()].map((s) => [s.code, s])).values()];

/** The series of a GPU model; an unknown model gets a series of its own, flagged `unmapped`. */
export function seriesForModel(model: string): ResolvedSeries {
  const known = byModel.get(model.trim().toLowerCase());
  if (known) return known;
  const code = `${slug(model).replace(/-/g, '')}_series`;
  return {
    id: stableUuid(`series:${code}`),
    code,
    name: `${model} Series`,
    description: `${model} (not in gpufleet's catalog)`,
    unmapped: true,
  };
}
