import type { PortableImageSupport } from '../../core/provider/provider.ts';

/**
 * Portable names Verda boots. Verda lists its images per instance type (the open-module CUDA images do not
 * boot on V100 or A6000), so the Ubuntu names stand for a pattern the adapter resolves against that list.
 */
export const VERDA_IMAGES: readonly PortableImageSupport[] = [
  { name: 'ubuntu-24.04', providerImage: 'ubuntu-24.04-cuda-*-docker (newest for the type), else ubuntu-24.04' },
  { name: 'ubuntu-22.04', providerImage: 'ubuntu-22.04-cuda-*-docker (newest for the type), else ubuntu-22.04' },
  { name: 'ubuntu-24.04-cuda', providerImage: 'ubuntu-24.04-cuda-*-docker (newest for the type)' },
  { name: 'ubuntu-22.04-cuda', providerImage: 'ubuntu-22.04-cuda-*-docker (newest for the type)' },
  { name: 'jupyter', providerImage: 'jupyter' },
];
