import type { GpuInterconnect, GpuSpec } from '../../core/domain/types.ts';

/**
 * RunPod names GPU types by long ids (`NVIDIA H100 80GB HBM3`, `NVIDIA GeForce RTX 4090`) and shorter
 * display names (`H100 SXM`, `RTX 4090`) that differ from each other. Both are read to find gpufleet's
 * canonical model; the first rule that matches wins, so specific names come before general ones.
 */
const RULES: { test: RegExp; model: string; interconnect?: (name: string) => GpuInterconnect | null }[] = [
  { test: /\bB200\b/i, model: 'B200', interconnect: () => 'SXM' },
  { test: /\bGH200\b/i, model: 'GH200', interconnect: () => 'NVLink' },
  { test: /\bH200\b/i, model: 'H200', interconnect: hopperInterconnect },
  { test: /\bH100\b/i, model: 'H100', interconnect: hopperInterconnect },
  { test: /\bA100\b/i, model: 'A100', interconnect: (n) => (/SXM/i.test(n) ? 'SXM' : 'PCIe') },
  { test: /\bMI300X\b/i, model: 'MI300X', interconnect: () => null },
  { test: /\bL40S\b/i, model: 'L40S', interconnect: () => 'PCIe' },
  { test: /\bL40\b/i, model: 'L40', interconnect: () => 'PCIe' },
  { test: /RTX 6000 Ada/i, model: 'RTX 6000 Ada', interconnect: () => 'PCIe' },
  { test: /RTX A6000/i, model: 'RTX A6000', interconnect: () => 'PCIe' },
  { test: /RTX 5090/i, model: 'RTX 5090', interconnect: () => 'PCIe' },
  { test: /RTX 4090/i, model: 'RTX 4090', interconnect: () => 'PCIe' },
  { test: /\bA40\b/i, model: 'A40', interconnect: () => 'PCIe' },
  { test: /\bA10\b/i, model: 'A10', interconnect: () => 'PCIe' },
  { test: /\bL4\b/i, model: 'L4', interconnect: () => 'PCIe' },
  { test: /\bV100\b/i, model: 'V100', interconnect: (n) => (/SXM/i.test(n) ? 'SXM' : 'PCIe') },
];

/** `HBM3`/`SXM` ids are the SXM boards; `NVL` cards are PCIe boards bridged with NVLink. */
function hopperInterconnect(name: string): GpuInterconnect {
  if (/\bNVL\b/i.test(name)) return 'NVLink';
  if (/PCIe/i.test(name)) return 'PCIe';
  return 'SXM';
}

export interface GpuTypeNames {
  id: string;
  displayName: string;
  manufacturer: string | null;
  memoryInGb: number;
}

/** The GPU spec of one RunPod GPU type (the count is the offer's). */
export function gpuSpecOf(type: GpuTypeNames, count: number): GpuSpec {
  const names = `${type.id} ${type.displayName}`;
  const rule = RULES.find((r) => r.test.test(names));
  const vendor = /amd/i.test(type.manufacturer ?? '') || /\bAMD\b|Instinct/i.test(names) ? 'AMD' : nvidiaOrOther(type, names);
  return {
    // Unknown types keep RunPod's display name so the catalog can list them as unmapped.
    model: rule?.model ?? type.displayName.replace(/^(NVIDIA|AMD)\s+/i, '').replace(/^GeForce\s+/i, ''),
    vendor,
    memoryGiB: type.memoryInGb,
    count,
    interconnect: rule?.interconnect ? rule.interconnect(names) : null,
  };
}

function nvidiaOrOther(type: GpuTypeNames, names: string): GpuSpec['vendor'] {
  return /nvidia/i.test(type.manufacturer ?? '') || /NVIDIA|GeForce|Tesla|RTX/i.test(names) ? 'NVIDIA' : 'Other';
}
