import type { ProviderAccountView } from '../../contract/provider-accounts.ts';
import { type ApiClient, isRecord } from '../api.ts';
import { checkbox, field, h, option, replace } from '../components/dom.ts';
import { errorNotice } from '../components/notice.ts';

export interface ProviderInfo {
  id: string;
  displayName: string;
  capabilities: Record<string, unknown>;
  credentialsSchema: Record<string, unknown>;
  settingsSchema: Record<string, unknown>;
}

interface SchemaField {
  name: string;
  description: string;
  required: boolean;
}

/** The top-level properties of a provider's JSON schema, as form fields. */
function schemaFields(schema: Record<string, unknown>): SchemaField[] {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  return Object.entries(properties).map(([name, prop]) => ({
    name,
    description: isRecord(prop) && typeof prop.description === 'string' ? prop.description : '',
    required: required.includes(name),
  }));
}

/** `clientSecret` → `Client secret`. */
function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/**
 * The add-account form, generated from `GET /v1/provider-accounts/providers`: one password input per
 * credential field of the chosen provider (credentials are write-only), settings as JSON.
 */
export function accountForm(
  api: ApiClient,
  providers: ProviderInfo[],
  onCreated: (account: ProviderAccountView) => Promise<void>,
) {
  const provider = h(
    'select',
    { required: true },
    providers.map((p) => option(p.id, p.displayName)),
  );
  const name = h('input', { type: 'text', required: true, maxlength: 100, autocomplete: 'off' });
  const baseUrl = h('input', { type: 'url', placeholder: "the provider's public API" });
  const settings = h('textarea', { rows: 4, spellcheck: 'false', class: 'mono' });
  settings.value = '{}';
  const enabled = checkbox('Enabled: offer and order from this account', { checked: true });
  const credentialArea = h('div');
  const settingsHelp = h('div');
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add account');
  let credentialInputs: { field: SchemaField; input: HTMLInputElement }[] = [];

  const showProvider = () => {
    const chosen = providers.find((p) => p.id === provider.value);
    const fields = chosen ? schemaFields(chosen.credentialsSchema) : [];
    credentialInputs = fields.map((f) => ({
      field: f,
      input: h('input', { type: 'password', required: f.required, autocomplete: 'off', spellcheck: 'false', name: f.name }),
    }));
    replace(
      credentialArea,
      credentialInputs.map(({ field: f, input }) =>
        field(`${humanize(f.name)}${f.required ? '' : ' (optional)'}`, input, f.description || null),
      ),
    );
    const settingFields = chosen ? schemaFields(chosen.settingsSchema) : [];
    replace(
      settingsHelp,
      settingFields.length
        ? h(
            'ul',
            { class: 'hint' },
            settingFields.map((f) => h('li', null, h('code', null, f.name), f.description ? `: ${f.description}` : '')),
          )
        : h('span', { class: 'hint' }, 'This provider has no settings.'),
    );
  };
  provider.addEventListener('change', showProvider);
  showProvider();

  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Add a provider account' },
    h('h2', null, 'Add a provider account'),
    h('div', { class: 'grid-2' }, field('Provider', provider), field('Name', name)),
    h(
      'fieldset',
      null,
      h('legend', null, 'Credentials'),
      h('p', { class: 'hint' }, 'Stored encrypted and never shown again.'),
      credentialArea,
    ),
    field('Base URL (optional)', baseUrl),
    field('Settings (JSON)', settings, settingsHelp),
    enabled.row,
    status,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    let parsedSettings: unknown;
    try {
      parsedSettings = settings.value.trim() ? JSON.parse(settings.value) : {};
      if (!isRecord(parsedSettings)) throw new Error('Settings must be a JSON object, e.g. {}');
    } catch (err) {
      status.replaceChildren(
        errorNotice(err instanceof SyntaxError ? new Error(`Settings are not valid JSON: ${err.message}`) : err),
      );
      settings.focus();
      return;
    }
    const credentials: Record<string, string> = {};
    for (const { field: f, input } of credentialInputs) if (input.value) credentials[f.name] = input.value;
    submit.disabled = true;
    try {
      const { data } = await api.post<ProviderAccountView>('/v1/provider-accounts', {
        provider: provider.value,
        name: name.value.trim(),
        credentials,
        settings: parsedSettings,
        enabled: enabled.input.checked,
        ...(baseUrl.value.trim() ? { baseUrl: baseUrl.value.trim() } : {}),
      });
      form.reset();
      settings.value = '{}';
      showProvider();
      await onCreated(data);
    } catch (err) {
      status.replaceChildren(errorNotice(err, { title: 'Could not add the account' }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
