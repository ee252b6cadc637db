import { h } from './dom.ts';
import { announce } from './notice.ts';

/** Copies `text`. The clipboard API needs a secure context; plain http on a LAN address falls back to a hidden textarea. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Permission refused: try the fallback below.
  }
  const area = h('textarea', { class: 'sr-only', readonly: true, 'aria-hidden': 'true' });
  area.value = text;
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  return ok;
}

export function copyButton(text: string, label = 'Copy'): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'small' }, label);
  button.addEventListener('click', async () => {
    const ok = await copyText(text);
    button.textContent = ok ? 'Copied' : 'Copy failed';
    announce(ok ? 'Copied to the clipboard' : 'Could not copy; select the text and copy it by hand');
    window.setTimeout(() => {
      button.textContent = label;
    }, 2000);
  });
  return button;
}

/** Offers `text` as a file download, made in the page: nothing is sent anywhere. */
export function downloadText(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' }));
  const link = h('a', { href: url, download: filename, class: 'sr-only' });
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
