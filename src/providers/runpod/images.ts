import type { PortableImageSupport } from '../../core/provider/provider.ts';

/**
 * Portable names as RunPod base images (Ubuntu with sshd, and Jupyter started on 8888 from the env
 * conventions, which the adapter always exposes). RunPod lists no images; pods run any container reference.
 * No CUDA-toolkit tag of these images is confirmed, so the `-cuda` names are not claimed.
 */
export const RUNPOD_IMAGES: readonly PortableImageSupport[] = [
  { name: 'ubuntu-22.04', providerImage: 'runpod/base:1.0.2-ubuntu2204' },
  { name: 'ubuntu-24.04', providerImage: 'runpod/base:1.0.2-ubuntu2404' },
  { name: 'jupyter', providerImage: 'runpod/base:1.0.2-ubuntu2404' },
];
