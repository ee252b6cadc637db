import { h } from './dom.ts';

const NAV: [string, string][] = [
  ['/vms', 'VMs'],
  ['/vms/new', 'Order'],
  ['/keys', 'SSH keys'],
  ['/scripts', 'Startup scripts'],
  ['/volumes', 'Volumes'],
  ['/offers', 'Offers'],
  ['/accounts', 'Accounts'],
  ['/costs', 'Costs'],
  ['/webhooks', 'Webhooks'],
];

export interface Shell {
  main: HTMLElement;
  /** Marks the link of the current section. */
  setCurrent(path: string): void;
}

/** `status` is the header's live-updates sign. */
export function renderShell(container: HTMLElement, onLogout: () => void, status: HTMLElement): Shell {
  const links = NAV.map(([href, label]) => h('a', { href }, label));
  const main = h('main', { id: 'page', tabindex: '-1' });
  container.replaceChildren(
    h('a', { href: '#page', class: 'skip-link' }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      h('a', { href: '/vms', class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '▦'), 'gpufleet'),
      h('nav', { 'aria-label': 'Main' }, links),
      status,
      h('button', { type: 'button', class: 'logout', onclick: onLogout }, 'Log out'),
    ),
    main,
  );
  return {
    main,
    setCurrent(path) {
      // The longest matching link wins, so /vms/new highlights "Order" and /vms/<id> highlights "VMs".
      let best: HTMLAnchorElement | null = null;
      for (const link of links) {
        const href = link.getAttribute('href') ?? '';
        const matches = path === href || (path.startsWith(`${href}/`) && !(href === '/vms' && path === '/vms/new'));
        if (matches && (!best || href.length > (best.getAttribute('href') ?? '').length)) best = link;
      }
      for (const link of links) link.removeAttribute('aria-current');
      best?.setAttribute('aria-current', 'page');
    },
  };
}
