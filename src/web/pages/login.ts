import { type ApiClient, ApiError } from '../api.ts';
import { field, h } from '../components/dom.ts';
import { errorNotice, notice } from '../components/notice.ts';
import { saveKey } from '../session.ts';

/**
 * The sign-in screen. A key is checked with a cheap authenticated read before it is kept, so a typo is
 * reported here instead of on every page afterwards.
 */
export function renderLogin(container: HTMLElement, api: ApiClient, message: string | null, onSignedIn: () => void): void {
  const input = h('input', {
    type: 'password',
    name: 'apiKey',
    autocomplete: 'current-password',
    required: true,
    spellcheck: 'false',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const result = h('div', { 'aria-live': 'polite' }, message ? notice('info', message) : null);
  const form = h(
    'form',
    { class: 'login-card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '▦'), ' gpufleet'),
    h('p', { class: 'muted' }, 'One control plane for GPU VMs across Verda, RunPod and Fluidstack.'),
    field(
      'API key',
      input,
      h('span', null, 'The server prints a sign-in link when it starts; opening it signs you in. Or paste a key here.'),
    ),
    result,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    submit.textContent = 'Checking…';
    result.replaceChildren();
    try {
      await api.request('GET', '/v1/resource/gpu', { query: { limit: 1 }, key });
      saveKey(key);
      onSignedIn();
    } catch (err) {
      const title = err instanceof ApiError && err.status === 401 ? 'This API key was not accepted' : 'Could not sign in';
      result.replaceChildren(errorNotice(err, { title }));
      submit.disabled = false;
      submit.textContent = 'Sign in';
      input.focus();
    }
  });
  container.replaceChildren(h('main', { class: 'login' }, form));
  input.focus();
}
