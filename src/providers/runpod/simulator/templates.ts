import { fail } from './errors.ts';

/**
 * Pod templates: an image with its start command, ports, environment, disks and mount path, that a create can
 * name by `templateId` instead of spelling them out. `myself.podTemplates` lists the account's own templates;
 * RunPod's official ones (ids such as `runpod-torch-v240`) are public: any account can deploy them, but they
 * are not the account's, so they are not listed there. The simulated account has a fixed set (nothing here
 * creates or edits templates).
 */
export interface SimTemplate {
  id: string;
  name: string;
  imageName: string;
  dockerArgs: string;
  ports: string;
  env: { key: string; value: string }[];
  containerDiskInGb: number;
  volumeInGb: number;
  volumeMountPath: string;
  startSsh: boolean;
  startJupyter: boolean;
  startScript: string | null;
  readme: string;
  category: 'NVIDIA' | 'AMD' | 'CPU';
  isPublic: boolean;
  /** An official RunPod template. */
  isRunpod: boolean;
  /** For serverless endpoints: pods cannot be created from it. */
  isServerless: boolean;
  /** The account's own template, listed in `myself.podTemplates`. */
  mine: boolean;
}

const TORCH_IMAGE = 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04';

export const TEMPLATES: readonly SimTemplate[] = [
  template({
    id: 'k3tq8v2pfa',
    name: 'PyTorch workspace',
    imageName: TORCH_IMAGE,
    ports: '8888/http,22/tcp',
    env: [{ key: 'HF_HOME', value: '/workspace/.cache/huggingface' }],
    containerDiskInGb: 40,
    volumeInGb: 60,
    readme: '## PyTorch 2.4 with the Hugging Face cache on the volume',
    mine: true,
  }),
  template({
    id: 'c7m0fy2ux9',
    name: 'ComfyUI',
    imageName: 'runpod/comfyui:cuda12.4',
    ports: '8188/http,22/tcp',
    env: [{ key: 'COMFYUI_ARGS', value: '--listen 0.0.0.0 --port 8188' }],
    containerDiskInGb: 30,
    volumeInGb: 50,
    startJupyter: false,
    readme: '## ComfyUI on port 8188',
    mine: true,
  }),
  template({
    id: 'w9sl4vllm0',
    name: 'vLLM worker',
    imageName: 'runpod/worker-v1-vllm:v2.7.0',
    ports: '',
    env: [{ key: 'MODEL_NAME', value: 'Qwen/Qwen2.5-7B-Instruct' }],
    containerDiskInGb: 20,
    volumeInGb: 0,
    startSsh: false,
    startJupyter: false,
    isServerless: true,
    mine: true,
  }),
  template({
    id: 'runpod-torch-v240',
    name: 'Runpod Pytorch 2.4.0',
    imageName: TORCH_IMAGE,
    ports: '8888/http,22/tcp',
    containerDiskInGb: 50,
    volumeInGb: 20,
    readme: '## Runpod PyTorch',
    isPublic: true,
    isRunpod: true,
  }),
];

function template(fields: Partial<SimTemplate> & Pick<SimTemplate, 'id' | 'name' | 'imageName'>): SimTemplate {
  return {
    dockerArgs: '',
    ports: '',
    env: [],
    containerDiskInGb: 20,
    volumeInGb: 20,
    volumeMountPath: '/workspace',
    startSsh: true,
    startJupyter: true,
    startScript: null,
    readme: '',
    category: 'NVIDIA',
    isPublic: false,
    isRunpod: false,
    isServerless: false,
    mine: false,
    ...fields,
  };
}

// Neither message is documented for GraphQL (REST v2 answers 404 and 422): the simulator's own wording.
export const TEMPLATE_NOT_FOUND = 'Template not found.';
export const SERVERLESS_TEMPLATE = 'A serverless template cannot be used to create a pod.';

/** The template a create names, or the GraphQL error RunPod gives for one it cannot use. */
export function templateFor(id: string): SimTemplate {
  const found = TEMPLATES.find((t) => t.id === id) ?? fail(TEMPLATE_NOT_FOUND);
  if (found.isServerless) fail(SERVERLESS_TEMPLATE);
  return found;
}

export function accountTemplates(): SimTemplate[] {
  return TEMPLATES.filter((t) => t.mine);
}

/** What `PodTemplate` shows. */
export function templateView(t: SimTemplate): Record<string, unknown> {
  const { mine: _mine, ...fields } = t;
  return {
    ...fields,
    advancedStart: false,
    containerRegistryAuthId: null,
    earned: 0,
    boundEndpointId: null,
    runtimeInMin: 0,
  };
}
