import { ApiClient, type ApiError } from './api.ts';
import { h } from './components/dom.ts';
import { renderShell, type Shell } from './components/layout.ts';
import { connectLiveEvents, type LiveEvents, liveIndicator } from './components/live-events.ts';
import { emptyState } from './components/notice.ts';
import type { NavigateOptions, Page } from './page.ts';
import { accountsPage } from './pages/accounts.ts';
import { costsPage } from './pages/costs.ts';
import { keysPage } from './pages/keys.ts';
import { renderLogin } from './pages/login.ts';
import { offersPage } from './pages/offers.ts';
import { orderPage } from './pages/order.ts';
import { scriptsPage } from './pages/scripts.ts';
import { vmDetailPage } from './pages/vm-detail.ts';
import { vmsPage } from './pages/vms.ts';
import { volumesPage } from './pages/volumes.ts';
import { webhookDetailPage } from './pages/webhook-detail.ts';
import { webhooksPage } from './pages/webhooks.ts';
import { forgetKey, storedKey, takeKeyFromFragment } from './session.ts';

/** Client-side routes; the server answers each of these paths with index.html. */
const ROUTES: { pattern: RegExp; names: string[]; page: Page }[] = [
  { pattern: /^\/vms\/new$/, names: [], page: orderPage },
  { pattern: /^\/vms$/, names: [], page: vmsPage },
  { pattern: /^\/vms\/([^/]+)$/, names: ['id'], page: vmDetailPage },
  { pattern: /^\/keys$/, names: [], page: keysPage },
  { pattern: /^\/scripts$/, names: [], page: scriptsPage },
  { pattern: /^\/volumes$/, names: [], page: volumesPage },
  { pattern: /^\/offers$/, names: [], page: offersPage },
  { pattern: /^\/accounts$/, names: [], page: accountsPage },
  { pattern: /^\/costs$/, names: [], page: costsPage },
  { pattern: /^\/webhooks$/, names: [], page: webhooksPage },
  { pattern: /^\/webhooks\/([^/]+)$/, names: ['id'], page: webhookDetailPage },
];

const appRoot = document.getElementById('app')!;
let shell: Shell | null = null;
let leavePage = new AbortController();
let pendingFlash: string | null = null;
let showingLogin = false;
/** Open while someone is signed in (one stream for every page); closed at sign-out. */
let live: LiveEvents | null = null;

const api = new ApiClient({
  key: storedKey,
  onUnauthorized(error: ApiError) {
    forgetKey();
    showLogin(`The stored API key was refused: ${error.message} (${error.code}). Sign in again.`);
  },
});

function navigate(path: string, options: NavigateOptions = {}): void {
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  pendingFlash = options.flash ?? null;
  render(true);
}

function render(moveFocus: boolean): void {
  if (!storedKey()) {
    showLogin(null);
    return;
  }
  showingLogin = false;
  if (!live) live = connectLiveEvents(storedKey);
  if (!shell) shell = renderShell(appRoot, logout, liveIndicator(live));
  leavePage.abort();
  leavePage = new AbortController();
  const path = window.location.pathname.replace(/\/+$/, '') || '/';
  if (path === '/') {
    navigate('/vms', { replace: true });
    return;
  }
  shell.setCurrent(path);
  const root = h('div', { class: 'page' });
  shell.main.replaceChildren(root);
  const flash = pendingFlash;
  pendingFlash = null;
  const context = {
    api,
    live,
    root,
    query: new URLSearchParams(window.location.search),
    signal: leavePage.signal,
    flash,
    navigate,
    setTitle: (title: string) => {
      document.title = `${title} · gpufleet`;
    },
  };
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (!route) {
    context.setTitle('Not found');
    root.append(
      h('h1', null, 'Page not found'),
      emptyState(`Nothing lives at ${path}.`, h('a', { href: '/vms' }, 'Go to the VM list')),
    );
  } else {
    const match = route.pattern.exec(path)!;
    const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
    route.page({ ...context, params });
  }
  if (moveFocus) shell.main.focus({ preventScroll: false });
}

function showLogin(message: string | null): void {
  if (showingLogin && message === null) return;
  showingLogin = true;
  leavePage.abort();
  live?.close();
  live = null;
  shell = null;
  document.title = 'Sign in · gpufleet';
  renderLogin(appRoot, api, message, () => render(false));
}

function logout(): void {
  forgetKey();
  showLogin('You are signed out.');
}

/** Same-origin links navigate inside the app; new-tab clicks, downloads and external links behave as usual. */
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = (event.target as Element | null)?.closest?.('a');
  if (!link || link.target || link.hasAttribute('download')) return;
  const href = link.getAttribute('href');
  if (!href?.startsWith('/') || href.startsWith('//')) return;
  event.preventDefault();
  navigate(href);
});

window.addEventListener('popstate', () => render(true));

// Another tab signing out (or in) changes what this tab may do.
window.addEventListener('storage', (event) => {
  if (event.key === null || event.key === 'gpufleet.apiKey') render(false);
});

takeKeyFromFragment();
render(false);
