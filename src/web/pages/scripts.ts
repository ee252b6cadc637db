import type { StartupScript } from '../../contract/startup-scripts.ts';
import { openDialog } from '../components/dialog.ts';
import { field, h } from '../components/dom.ts';
import { announce, errorNotice, notice } from '../components/notice.ts';
import { pagedList } from '../components/paged-list.ts';
import { dataTable } from '../components/table.ts';
import { dateTime } from '../format.ts';
import type { Page, PageContext } from '../page.ts';

const PAGE_SIZE = 20;

/** The startup-script library: list, view, save, rewrite and delete scripts orders can name. */
export const scriptsPage: Page = (ctx) => {
  ctx.setTitle('Startup scripts');
  const messages = h('div', { 'aria-live': 'polite' });
  const { element: list, reload } = pagedList<StartupScript>(ctx, {
    path: '/v1/resource/startup-scripts',
    sort: 'name:asc',
    pageSize: PAGE_SIZE,
    noun: ['script', 'scripts'],
    what: 'the startup scripts',
    empty: 'No startup scripts yet. Save one below; an order can then run it at first boot.',
    render: (scripts) =>
      dataTable(
        [
          { header: 'Name', cell: (s: StartupScript) => h('strong', null, s.name) },
          { header: 'Size', cell: (s: StartupScript) => `${s.sizeBytes} bytes` },
          { header: 'Updated', cell: (s: StartupScript) => dateTime(s.updatedAt) },
          {
            header: 'Actions',
            cell: (s: StartupScript) =>
              h(
                'div',
                { class: 'row-actions' },
                h('button', { type: 'button', class: 'small', onclick: () => edit(s) }, 'View / edit'),
                h('button', { type: 'button', class: 'small danger', onclick: () => confirmDelete(s) }, 'Delete'),
              ),
          },
        ],
        scripts,
        { caption: 'Startup scripts' },
      ),
  });

  const edit = (script: StartupScript) => {
    const text = h('textarea', { rows: 14, spellcheck: 'false', class: 'mono', 'aria-label': 'Script' });
    text.value = script.script;
    openDialog({
      title: `Startup script ${script.name}`,
      content: h(
        'div',
        null,
        h('p', { class: 'hint' }, 'VMs already ordered with it keep the text they were ordered with.'),
        text,
      ),
      submitLabel: 'Save changes',
      async onSubmit() {
        await ctx.api.put(`/v1/resource/startup-scripts/${script.id}`, { script: text.value });
        messages.replaceChildren(notice('success', `Saved the startup script ${script.name}.`));
        await reload();
      },
    });
  };

  const confirmDelete = (script: StartupScript) =>
    openDialog({
      title: `Delete the startup script ${script.name}?`,
      danger: true,
      content: h('p', null, 'VMs ordered with it keep their copy; new orders cannot name it any more.'),
      submitLabel: 'Delete script',
      async onSubmit() {
        await ctx.api.delete(`/v1/resource/startup-scripts/${script.id}`);
        messages.replaceChildren(notice('success', `Deleted the startup script ${script.name}.`));
        announce(`Deleted the startup script ${script.name}`);
        await reload();
      },
    });

  ctx.root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Startup scripts')),
    messages,
    list,
    createForm(ctx, messages, reload),
  );
  void reload();
};

function createForm(ctx: PageContext, messages: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const name = h('input', { type: 'text', required: true, maxlength: 100, autocomplete: 'off' });
  const script = h('textarea', {
    required: true,
    rows: 8,
    spellcheck: 'false',
    class: 'mono',
    placeholder: '#!/bin/bash\npip install -r requirements.txt',
  });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Save script');
  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Save a startup script' },
    h('h2', null, 'Save a startup script'),
    h('p', { class: 'hint' }, 'Runs once, as root, when a VM first boots. A script without #! runs under bash. Up to 64 KiB.'),
    field('Name', name),
    field('Script', script),
    status,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.replaceChildren();
    try {
      const { data } = await ctx.api.post<StartupScript>('/v1/resource/startup-scripts', {
        name: name.value.trim(),
        script: script.value,
      });
      form.reset();
      messages.replaceChildren(notice('success', `Saved the startup script ${data.name} (${data.sizeBytes} bytes).`));
      await reload();
    } catch (err) {
      status.replaceChildren(errorNotice(err, { title: 'Could not save the script' }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
