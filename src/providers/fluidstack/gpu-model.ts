import type { GpuInterconnect, GpuSpec } from '../../core/domain/types.ts';

/**
 * Atlas names GPUs by their chip and board, e.g. `GH100_H100_SXM5_80GB`: die, product, form factor,
 * memory. The product token gives gpufleet's canonical model, the rest the interconnect and memory.
 * Most specific patterns first (`H100` must not be read from `GH100`, `L4` not from `L40S`).
 */
const MODELS: { pattern: RegExp; model: string; vendor: GpuSpec['vendor']; memoryGiB: number; pcieOnly?: boolean }[] = [
  { pattern: /\bGB200\b/, model: 'GB200', vendor: 'NVIDIA', memoryGiB: 186 },
  { pattern: /\bB200\b/, model: 'B200', vendor: 'NVIDIA', memoryGiB: 180 },
  { pattern: /\bH200\b/, model: 'H200', vendor: 'NVIDIA', memoryGiB: 141 },
  { pattern: /\bH100\b/, model: 'H100', vendor: 'NVIDIA', memoryGiB: 80 },
  { pattern: /\bA100\b/, model: 'A100', vendor: 'NVIDIA', memoryGiB: 80 },
  { pattern: /\bL40S\b/, model: 'L40S', vendor: 'NVIDIA', memoryGiB: 48, pcieOnly: true },
  { pattern: /\bL40\b/, model: 'L40', vendor: 'NVIDIA', memoryGiB: 48, pcieOnly: true },
  { pattern: /\bA40\b/, model: 'A40', vendor: 'NVIDIA', memoryGiB: 48, pcieOnly: true },
  { pattern: /\bL4\b/, model: 'L4', vendor: 'NVIDIA', memoryGiB: 24, pcieOnly: true },
  { pattern: /\bV100\b/, model: 'V100', vendor: 'NVIDIA', memoryGiB: 32 },
  { pattern: /\bRTX\s?6000\s?ADA\b|\b6000\s?ADA\b/, model: 'RTX 6000 Ada', vendor: 'NVIDIA', memoryGiB: 48, pcieOnly: true },
  { pattern: /\bA6000\b/, model: 'RTX A6000', vendor: 'NVIDIA', memoryGiB: 48, pcieOnly: true },
  { pattern: /\b4090\b/, model: 'RTX 4090', vendor: 'NVIDIA', memoryGiB: 24, pcieOnly: true },
  { pattern: /\bMI325X\b/, model: 'MI325X', vendor: 'AMD', memoryGiB: 256 },
  { pattern: /\bMI300X\b/, model: 'MI300X', vendor: 'AMD', memoryGiB: 192 },
];

/** The GPU of an instance type from Atlas's model string; unknown models keep their raw name. */
export function gpuSpecOf(rawModel: string, count: number): GpuSpec {
  const tokens = rawModel.toUpperCase().replace(/[_\-/]+/g, ' ');
  const known = MODELS.find((m) => m.pattern.test(tokens));
  const memory = /\b(\d+)\s?GB\b/.exec(tokens);
  return {
    model: known?.model ?? rawModel,
    vendor: known?.vendor ?? (/\bMI\d/.test(tokens) ? 'AMD' : 'Other'),
    memoryGiB: memory ? Number(memory[1]) : (known?.memoryGiB ?? 0),
    count,
    interconnect: interconnectOf(tokens, known?.pcieOnly ?? false),
  };
}

function interconnectOf(tokens: string, pcieOnly: boolean): GpuInterconnect | null {
  // HGX boards carry SXM modules; `NVL` is the NVLink-bridged PCIe variant.
  if (/\bSXM\d*\b|\bHGX\b/.test(tokens)) return 'SXM';
  if (/\bNVL\b|\bNVLINK\b/.test(tokens)) return 'NVLink';
  if (/\bPCIE\b/.test(tokens) || pcieOnly) return 'PCIe';
  return null;
}
