/**
 * gpufleet's portable image names: one name means the same kind of system on every cloud that declares it
 * (each provider folder says which of these it can boot and as what). The default of an order is first.
 */
export interface PortableImage {
  name: string;
  description: string;
  jupyter: boolean;
}

export const DEFAULT_IMAGE = 'ubuntu-24.04';

export const PORTABLE_IMAGES: readonly PortableImage[] = [
  { name: 'ubuntu-24.04', description: 'Ubuntu 24.04 LTS, ready for the GPUs', jupyter: false },
  { name: 'ubuntu-22.04', description: 'Ubuntu 22.04 LTS, ready for the GPUs', jupyter: false },
  { name: 'ubuntu-24.04-cuda', description: 'Ubuntu 24.04 LTS with the NVIDIA driver and a CUDA toolkit', jupyter: false },
  { name: 'ubuntu-22.04-cuda', description: 'Ubuntu 22.04 LTS with the NVIDIA driver and a CUDA toolkit', jupyter: false },
  { name: 'jupyter', description: "A JupyterLab server on a GPU-ready Ubuntu, reachable at the VM's jupyterUrl", jupyter: true },
];
