import type { ProviderAccountView, UnmanagedInstance } from '../../contract/provider-accounts.ts';
import { isRecord } from '../api.ts';
import { openDialog } from '../components/dialog.ts';
import { h, mono, replace } from '../components/dom.ts';
import { emptyState, errorNotice, loading, notice } from '../components/notice.ts';
import { healthBadge, tag } from '../components/status.ts';
import { dataTable } from '../components/table.ts';
import { ago, dateTime, providerName } from '../format.ts';
import type { Page } from '../page.ts';
import { accountForm, type ProviderInfo } from './account-form.ts';

/** Provider accounts (the upstream clouds gpufleet orders from) and instances found there that gpufleet does not manage. */
export const accountsPage: Page = (ctx) => {
  ctx.setTitle('Provider accounts');
  const messages = h('div', { 'aria-live': 'polite' });
  const list = h('div', null, loading('Loading provider accounts…'));
  const unmanaged = h('div', null, loading('Looking for unmanaged instances…'));
  const formArea = h('div');
  let accounts: ProviderAccountView[] = [];

  const reload = async () => {
    try {
      const { data } = await ctx.api.get<ProviderAccountView[]>('/v1/provider-accounts', undefined, ctx.signal);
      if (ctx.signal.aborted) return;
      accounts = data ?? [];
      renderAccounts();
    } catch (err) {
      if (!ctx.signal.aborted)
        replace(list, errorNotice(err, { title: 'Could not load the accounts', retry: () => void reload() }));
    }
    await loadUnmanaged();
  };

  const renderAccounts = () => {
    if (accounts.length === 0) {
      replace(list, emptyState('No provider account yet. Add one below to start ordering GPUs.'));
      return;
    }
    replace(
      list,
      dataTable(
        [
          { header: 'Provider', cell: (a: ProviderAccountView) => h('strong', null, providerName(a.provider)) },
          {
            header: 'Name',
            cell: (a: ProviderAccountView) => [
              a.name,
              a.sandbox ? [' ', tag('simulator')] : null,
              a.enabled ? null : [' ', tag('disabled', 'warn')],
            ],
          },
          { header: 'Health', cell: (a: ProviderAccountView) => healthBadge(a.health) },
          {
            header: 'Last synced',
            cell: (a: ProviderAccountView) => h('span', { title: dateTime(a.lastSyncedAt) }, ago(a.lastSyncedAt)),
          },
          {
            header: 'Last error',
            cell: (a: ProviderAccountView) =>
              a.lastError ? h('span', { class: 'error-text' }, a.lastError) : h('span', { class: 'muted' }, 'None'),
          },
          { header: 'Credentials', cell: (a: ProviderAccountView) => a.credentialFields.join(', ') || '—' },
          {
            header: 'Actions',
            cell: (a: ProviderAccountView) =>
              h('button', { type: 'button', class: 'small danger', onclick: () => confirmDelete(a) }, 'Delete'),
          },
        ],
        accounts,
        { caption: 'Provider accounts' },
      ),
    );
  };

  const loadUnmanaged = async () => {
    try {
      const { data } = await ctx.api.get<UnmanagedInstance[]>('/v1/provider-accounts/unmanaged-instances', undefined, ctx.signal);
      if (ctx.signal.aborted) return;
      const rows = data ?? [];
      const accountName = (id: string) => {
        const account = accounts.find((a) => a.id === id);
        return account ? `${providerName(account.provider)} · ${account.name}` : id;
      };
      replace(
        unmanaged,
        rows.length === 0
          ? emptyState('Every instance at your providers is managed by gpufleet.')
          : dataTable(
              [
                { header: 'Account', cell: (r: UnmanagedInstance) => accountName(r.accountId) },
                { header: 'Instance id', cell: (r: UnmanagedInstance) => mono(r.providerInstanceId) },
                { header: 'Name', cell: (r: UnmanagedInstance) => r.name },
                { header: 'Provider status', cell: (r: UnmanagedInstance) => r.providerStatus },
                { header: 'First seen', cell: (r: UnmanagedInstance) => dateTime(r.firstSeenAt) },
                { header: 'Last seen', cell: (r: UnmanagedInstance) => dateTime(r.lastSeenAt) },
              ],
              rows,
              { caption: 'Unmanaged instances' },
            ),
      );
    } catch (err) {
      if (!ctx.signal.aborted) replace(unmanaged, errorNotice(err, { title: 'Could not list unmanaged instances' }));
    }
  };

  const confirmDelete = (account: ProviderAccountView) =>
    openDialog({
      title: `Delete the account ${account.name}?`,
      danger: true,
      content: h(
        'p',
        null,
        'gpufleet forgets the credentials. Accounts that still have VMs cannot be deleted: delete the VMs first.',
      ),
      submitLabel: 'Delete account',
      async onSubmit() {
        await ctx.api.delete(`/v1/provider-accounts/${account.id}`);
        messages.replaceChildren(notice('success', `Deleted the account ${account.name}.`));
        await reload();
      },
    });

  const loadProviders = async () => {
    try {
      const { data } = await ctx.api.get<ProviderInfo[]>('/v1/provider-accounts/providers', undefined, ctx.signal);
      if (ctx.signal.aborted) return;
      replace(
        formArea,
        accountForm(ctx.api, (data ?? []).filter(isRecord) as unknown as ProviderInfo[], async (created) => {
          messages.replaceChildren(notice('success', `Added the ${providerName(created.provider)} account ${created.name}.`));
          await reload();
        }),
      );
    } catch (err) {
      if (!ctx.signal.aborted) replace(formArea, errorNotice(err, { title: 'Could not load the provider definitions' }));
    }
  };

  ctx.root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Provider accounts')),
    messages,
    list,
    h('h2', null, 'Unmanaged instances'),
    h(
      'p',
      { class: 'hint' },
      'Instances found at your providers that gpufleet did not create or no longer tracks. They may still cost money.',
    ),
    unmanaged,
    formArea,
  );
  void reload();
  void loadProviders();
};
