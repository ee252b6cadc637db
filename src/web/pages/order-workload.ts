import type { StartupScript } from '../../contract/startup-scripts.ts';
import { field, h, option } from '../components/dom.ts';

const INLINE = 'inline';

/**
 * The order form's "what runs on it" part: for container offers a container image and a provider template,
 * a startup script from the library or typed in, plain and secret environment variables (one NAME=value per
 * line) and ports to expose. `read` gives the order's fields, or a message naming what to fix.
 */
export function workloadFields(scripts: StartupScript[]) {
  // The API's own rules for both fields, as the browser checks patterns (every reserved character escaped).
  const containerImage = h('input', {
    type: 'text',
    name: 'containerImage',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: 255,
    pattern: '[A-Za-z0-9][A-Za-z0-9._\\/:@\\-]*[\\/:][A-Za-z0-9._\\/:@\\-]+',
    placeholder: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
  });
  const template = h('input', {
    type: 'text',
    name: 'templateId',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: 64,
    pattern: '[A-Za-z0-9][A-Za-z0-9_\\-]*',
    placeholder: 'e.g. runpod-torch-v240',
  });
  const script = h(
    'select',
    { name: 'startupScript' },
    option('', 'None'),
    scripts.map((s) => option(s.id, `${s.name} (${s.sizeBytes} bytes)`)),
    option(INLINE, 'Type a script…'),
  );
  const inline = h('textarea', {
    name: 'startupScriptText',
    rows: 6,
    spellcheck: 'false',
    placeholder: '#!/bin/bash\npip install -r requirements.txt',
  });
  const inlineField = field('Script', inline, 'A script without #! runs under bash.');
  inlineField.hidden = true;
  script.addEventListener('change', () => {
    inlineField.hidden = script.value !== INLINE;
  });
  const env = h('textarea', { name: 'env', rows: 3, spellcheck: 'false', placeholder: 'MODEL=llama-3' });
  const secretEnv = h('textarea', { name: 'secretEnv', rows: 2, spellcheck: 'false', placeholder: 'HF_TOKEN=hf_…' });
  const ports = h('input', { type: 'text', name: 'ports', autocomplete: 'off', placeholder: '8888/http, 7000/tcp' });

  const section = h(
    'details',
    { class: 'advanced' },
    h('summary', null, 'Workload: container image, template, startup script, environment, ports'),
    h(
      'div',
      { class: 'grid-2' },
      field(
        'Container image',
        containerImage,
        'Only for container offers (RunPod pods): runs this image instead of the OS image above. A VM offer refuses it.',
      ),
      field(
        'Template',
        template,
        'Only for container offers (RunPod pods): the RunPod template to start from. A VM offer refuses it.',
      ),
      field(
        'Startup script',
        script,
        h('span', null, 'Runs once, as root, at first boot. ', h('a', { href: '/scripts' }, 'Manage scripts')),
      ),
      inlineField,
      field('Environment', env, 'One NAME=value per line.'),
      field('Secret environment', secretEnv, 'Sealed at rest and never shown again.'),
      field('Ports to expose', ports, 'Comma separated, e.g. 6006/http, 7000/tcp. Their addresses appear on the VM page.'),
    ),
  );

  const read = (): Record<string, unknown> | string => {
    const order: Record<string, unknown> = {};
    if (containerImage.value.trim()) order.containerImage = containerImage.value.trim();
    if (template.value.trim()) order.templateId = template.value.trim();
    if (script.value === INLINE) {
      if (!inline.value.trim()) return 'Type the startup script, or choose None.';
      order.startupScript = inline.value;
    } else if (script.value) {
      order.startupScriptId = script.value;
    }
    for (const [name, area] of [
      ['env', env],
      ['secretEnv', secretEnv],
    ] as const) {
      const parsed = envLines(area.value);
      if (typeof parsed === 'string') return parsed;
      if (Object.keys(parsed).length > 0) order[name] = parsed;
    }
    const list = ports.value
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (list.length > 0) order.ports = list;
    return order;
  };
  return { section, read };
}

function envLines(text: string): Record<string, string> | string {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0) return `Environment lines are NAME=value; "${line.trim()}" is not.`;
    env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return env;
}
