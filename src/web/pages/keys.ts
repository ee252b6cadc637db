import type { SshKey } from '../../contract/ssh-keys.ts';
import { copyButton, downloadText } from '../components/copy.ts';
import { openDialog } from '../components/dialog.ts';
import { checkbox, field, h, select } from '../components/dom.ts';
import { announce, errorNotice, notice } from '../components/notice.ts';
import { pagedList } from '../components/paged-list.ts';
import { tag } from '../components/status.ts';
import { dataTable } from '../components/table.ts';
import { dateTime } from '../format.ts';
import type { Page, PageContext } from '../page.ts';

const PAGE_SIZE = 20;
const ALGORITHMS = [
  { value: 'ed25519', label: 'ED25519 (recommended)' },
  { value: 'rsa-4096', label: 'RSA 4096' },
  { value: 'rsa-2048', label: 'RSA 2048' },
  { value: 'ecdsa-p256', label: 'ECDSA P-256' },
];

/** The SSH key library: list, upload, generate (private key shown once), set default, delete. */
export const keysPage: Page = (ctx) => {
  ctx.setTitle('SSH keys');
  const messages = h('div', { 'aria-live': 'polite' });
  // Kept apart from the messages so later confirmations do not wipe a private key the user has not saved yet.
  const secretArea = h('div');
  const { element: list, reload } = pagedList<SshKey>(ctx, {
    path: '/v1/resource/ssh-keys',
    sort: 'createdAt:desc',
    pageSize: PAGE_SIZE,
    noun: ['key', 'keys'],
    what: 'the SSH keys',
    empty: 'No SSH keys yet. Upload your public key or generate a new pair below; every VM needs one.',
    render: (keys) =>
      dataTable(
        [
          {
            header: 'Name',
            cell: (k: SshKey) => [h('strong', null, k.name), k.isDefault ? [' ', tag('Default', 'good')] : null],
          },
          { header: 'Algorithm', cell: (k: SshKey) => k.algorithmDisplayName },
          { header: 'Fingerprint', cell: (k: SshKey) => h('code', { class: 'mono' }, k.fingerprint) },
          { header: 'Added', cell: (k: SshKey) => dateTime(k.createdAt) },
          {
            header: 'Actions',
            cell: (k: SshKey) =>
              h(
                'div',
                { class: 'row-actions' },
                copyButton(k.publicKey, 'Copy public key'),
                k.isDefault
                  ? null
                  : h('button', { type: 'button', class: 'small', onclick: () => void setDefault(k) }, 'Make default'),
                h('button', { type: 'button', class: 'small danger', onclick: () => confirmDelete(k) }, 'Delete'),
              ),
          },
        ],
        keys,
        { caption: 'SSH keys' },
      ),
  });

  const setDefault = async (key: SshKey) => {
    try {
      await ctx.api.put(`/v1/resource/ssh-keys/${key.id}`, { isDefault: true });
      messages.replaceChildren(notice('success', `${key.name} is now the default key.`));
      await reload();
    } catch (err) {
      messages.replaceChildren(errorNotice(err, { title: `Could not make ${key.name} the default` }));
    }
  };

  const confirmDelete = (key: SshKey) =>
    openDialog({
      title: `Delete the key ${key.name}?`,
      danger: true,
      content: h('p', null, 'VMs that already have this key keep it; new VMs cannot use it any more.'),
      submitLabel: 'Delete key',
      async onSubmit() {
        await ctx.api.delete(`/v1/resource/ssh-keys/${key.id}`);
        messages.replaceChildren(notice('success', `Deleted the key ${key.name}.`));
        announce(`Deleted the key ${key.name}`);
        await reload();
      },
    });

  ctx.root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'SSH keys')),
    secretArea,
    messages,
    list,
    h('div', { class: 'grid-2 forms' }, generateForm(ctx, secretArea, reload), uploadForm(ctx, messages, reload)),
  );
  void reload();
};

function generateForm(ctx: PageContext, secretArea: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const name = h('input', { type: 'text', required: true, maxlength: 100, autocomplete: 'off' });
  const algorithm = select(ALGORITHMS, 'ed25519');
  const passphrase = h('input', { type: 'password', autocomplete: 'new-password' });
  const makeDefault = checkbox('Make it the default key');
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Generate key pair');
  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Generate a key pair' },
    h('h2', null, 'Generate a key pair'),
    h('p', { class: 'hint' }, 'The server creates the pair and keeps only the public key. You get the private key once.'),
    field('Name', name),
    field('Algorithm', algorithm),
    field('Passphrase (optional)', passphrase, 'Encrypts the private key you download.'),
    makeDefault.row,
    status,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.replaceChildren();
    try {
      const { data } = await ctx.api.post<SshKey & { privateKey: string }>('/v1/resource/ssh-keys/generate', {
        name: name.value.trim(),
        algorithm: algorithm.value,
        ...(passphrase.value ? { passphrase: passphrase.value } : {}),
        ...(makeDefault.input.checked ? { isDefault: true } : {}),
      });
      form.reset();
      secretArea.replaceChildren(privateKeyPanel(data));
      secretArea.scrollIntoView({ block: 'start' });
      await reload();
    } catch (err) {
      status.replaceChildren(errorNotice(err, { title: 'Could not generate the key' }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** The only time the private key exists outside the user's machine: shown once, with a download. */
function privateKeyPanel(key: SshKey & { privateKey: string }): HTMLElement {
  const filename = `id_${key.algorithm.replace(/[^a-z0-9]+/gi, '_')}_${key.name.replace(/[^a-z0-9_.-]+/gi, '_')}`;
  const panel = h(
    'section',
    { class: 'card secret', 'aria-label': 'New private key' },
    h('h2', null, `Private key of ${key.name}`),
    notice(
      'warning',
      h('strong', null, 'Save this private key now. '),
      'It is shown only this once: gpufleet does not keep it and cannot show it again.',
    ),
    h('pre', { class: 'mono key-text', tabindex: '0', 'aria-label': 'Private key' }, key.privateKey),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: 'primary', onclick: () => downloadText(filename, key.privateKey) },
        'Download private key',
      ),
      copyButton(key.privateKey, 'Copy private key'),
      h('button', { type: 'button', onclick: () => panel.remove() }, 'I have saved it'),
    ),
    h(
      'p',
      { class: 'hint' },
      `Fingerprint `,
      h('code', { class: 'mono' }, key.fingerprint),
      `. Keep the file private (chmod 600).`,
    ),
  );
  return panel;
}

function uploadForm(ctx: PageContext, messages: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const name = h('input', { type: 'text', required: true, maxlength: 100, autocomplete: 'off' });
  const publicKey = h('textarea', { required: true, rows: 4, spellcheck: 'false', placeholder: 'ssh-ed25519 AAAA… you@laptop' });
  const makeDefault = checkbox('Make it the default key');
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload key');
  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Upload a public key' },
    h('h2', null, 'Upload a public key'),
    h('p', { class: 'hint' }, 'Paste one OpenSSH public key line, e.g. the content of ~/.ssh/id_ed25519.pub.'),
    field('Name', name),
    field('Public key', publicKey),
    makeDefault.row,
    status,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.replaceChildren();
    try {
      const { data } = await ctx.api.post<SshKey>('/v1/resource/ssh-keys', {
        name: name.value.trim(),
        publicKey: publicKey.value.trim(),
        ...(makeDefault.input.checked ? { isDefault: true } : {}),
      });
      form.reset();
      messages.replaceChildren(notice('success', `Added the ${data.algorithmDisplayName} key ${data.name}.`));
      await reload();
    } catch (err) {
      status.replaceChildren(errorNotice(err, { title: 'Could not upload the key' }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
