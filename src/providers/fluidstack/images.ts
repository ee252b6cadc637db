import type { PortableImageSupport } from '../../core/provider/provider.ts';

/**
 * Portable names Atlas boots. Its API lists no images: only `image://ubuntu22.04` (the default) is
 * documented, and `image://ubuntu24.04` is accepted the same way; nothing says a CUDA toolkit or Jupyter
 * comes with them, so those names are not claimed here.
 */
export const FLUIDSTACK_IMAGES: readonly PortableImageSupport[] = [
  { name: 'ubuntu-22.04', providerImage: 'image://ubuntu22.04' },
  { name: 'ubuntu-24.04', providerImage: 'image://ubuntu24.04' },
];
