import { type Child, h } from './dom.ts';
import { errorNotice } from './notice.ts';

export interface DialogOptions {
  title: string;
  content: Child;
  submitLabel: string;
  danger?: boolean;
  /** Re-checked on every input inside the dialog; the submit button stays disabled while false. */
  canSubmit?: () => boolean;
  /** Throwing keeps the dialog open and shows the error in it. */
  onSubmit(): Promise<void>;
}

/** A modal `<dialog>`: focus is trapped by the browser, Escape cancels, the page stays as it was. */
export function openDialog(options: DialogOptions): HTMLDialogElement {
  const errorArea = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: options.danger ? 'danger' : 'primary' }, options.submitLabel);
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', null, options.title),
    h('div', { class: 'dialog-body' }, options.content),
    errorArea,
    h('div', { class: 'actions' }, cancel, submit),
  );
  const dialog = h('dialog', { 'aria-label': options.title }, form);
  const refresh = () => {
    submit.disabled = options.canSubmit ? !options.canSubmit() : false;
  };
  form.addEventListener('input', refresh);
  form.addEventListener('change', refresh);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    errorArea.replaceChildren();
    try {
      await options.onSubmit();
      dialog.close();
    } catch (err) {
      errorArea.replaceChildren(errorNotice(err));
      refresh();
    }
  });
  refresh();
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}
