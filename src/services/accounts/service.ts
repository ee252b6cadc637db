import { randomUUID } from 'node:crypto';
import type { Updateable } from 'kysely';
import type {
  AccountCreateInput,
  AccountUpdateInput,
  ProviderAccountView,
  UnmanagedInstance,
} from '../../contract/provider-accounts.ts';
import type {
  Provider,
  ProviderAccountConfig,
  ProviderDefinition,
  ProviderDeps,
  ProviderLogger,
} from '../../core/provider/provider.ts';
import type { Store } from '../../store/database.ts';
import type { ProviderAccountTable } from '../../store/schema.ts';
import { AppError, badRequest, conflict, notFound } from '../errors.ts';
import { cleanName } from '../names.ts';
import type { RuntimeHooks } from '../runtime-hooks.ts';
import { type SecretBox, SecretBoxError } from '../secrets.ts';
import type { ProviderAccountService as ProviderAccountServiceContract } from '../types.ts';
import { lockForWrite } from '../write-lock.ts';
import { checkAgainstSchema, checkBaseUrl, checkCredentialShape, settingsWithDefaults } from './input-checks.ts';
import { providerFailure, redactor } from './provider-failures.ts';
import { ProviderAccountRepository, type ProviderAccountRow } from './repository.ts';

export type AccountHealth = ProviderAccountView['health'];
const HEALTH_VALUES: readonly AccountHealth[] = ['ok', 'auth_failed', 'unreachable', 'unknown'];
const LOCK_SCOPE = 'provider_accounts';

/** An account's decrypted configuration, as the runtime connects it. */
export type LoadedAccountConfig = ProviderAccountConfig & { provider: string; enabled: boolean };

export interface ProviderAccountServiceDeps {
  store: Store;
  secrets: SecretBox;
  /** The registered clouds (`providerRegistry` in production; fakes in tests). */
  providers: readonly ProviderDefinition[];
  /** May be an object whose methods reach a pool built after this service (the pool reads accounts from it). */
  hooks: RuntimeHooks;
  logger?: ProviderLogger;
  onProviderCall?: ProviderDeps['onProviderCall'];
  /** Metrics of the credentials checks' provider calls. */
  providerObserver?: ProviderDeps['observer'];
  clock?: () => Date;
  /** Longest wait for a provider to answer the credentials check. Default 30 s. */
  verifyTimeoutMs?: number;
}

const silent: ProviderLogger = { info() {}, warn() {}, error() {} };

/**
 * Upstream cloud accounts. Credentials are write-only: sealed with the SecretBox (bound to the account
 * id), never returned, never logged; views show only which fields are set. New or changed connection
 * details are checked with the provider's `verify()` before they are stored.
 */
export class ProviderAccountService implements ProviderAccountServiceContract {
  private readonly store: Store;
  private readonly repo: ProviderAccountRepository;
  private readonly secrets: SecretBox;
  private readonly definitions: readonly ProviderDefinition[];
  private readonly hooks: RuntimeHooks;
  private readonly logger: ProviderLogger;
  private readonly onProviderCall: ProviderDeps['onProviderCall'];
  private readonly providerObserver: ProviderDeps['observer'];
  private readonly now: () => string;
  private readonly verifyTimeoutMs: number;

  constructor(deps: ProviderAccountServiceDeps) {
    this.store = deps.store;
    this.repo = new ProviderAccountRepository(deps.store.db);
    this.secrets = deps.secrets;
    this.definitions = deps.providers;
    this.hooks = deps.hooks;
    this.logger = deps.logger ?? silent;
    this.onProviderCall = deps.onProviderCall;
    this.providerObserver = deps.providerObserver;
    const clock = deps.clock ?? (() => new Date());
    this.now = () => clock().toISOString();
    this.verifyTimeoutMs = deps.verifyTimeoutMs ?? 30_000;
  }

  // ---------- the API's use cases ----------

  async list(): Promise<ProviderAccountView[]> {
    return (await this.repo.listLive()).map((row) => this.toView(row));
  }

  async get(id: string): Promise<ProviderAccountView> {
    return this.toView(await this.requireLive(id));
  }

  async create(input: AccountCreateInput): Promise<ProviderAccountView> {
    const definition = this.definition(input.provider);
    const name = cleanName(input.name, 'name');
    const credentials = this.checkCredentials(definition, input.credentials);
    const settings = settingsWithDefaults(definition.settingsSchema, input.settings ?? {});
    const baseUrl = checkBaseUrl(input.baseUrl ?? definition.defaultBaseUrl);
    const enabled = checkEnabled(input.enabled) ?? true;
    await this.assertNameFree(this.repo, name);

    const id = randomUUID();
    await this.verify(definition, { accountId: id, name, baseUrl, credentials, settings });
    await this.inTransaction(async (repo) => {
      await this.assertNameFree(repo, name);
      const at = this.now();
      await repo.insert({
        id,
        provider: definition.id,
        name,
        base_url: baseUrl,
        credentials_enc: this.seal(id, credentials),
        settings_json: JSON.stringify(settings),
        enabled: enabled ? 1 : 0,
        is_sandbox: 0,
        health: 'ok',
        last_error: null,
        last_synced_at: null,
        poll_claimed_by: null,
        poll_claimed_until: null,
        created_at: at,
        updated_at: at,
        deleted_at: null,
      });
    });
    this.logger.info('provider account created', { accountId: id, provider: definition.id, name });
    this.hooks.accountsChanged(id);
    return this.get(id);
  }

  /**
   * Change an account. Credential fields given replace the stored ones of the same name; others are kept
   * (they cannot be read back to resend). `settings`, when given, replaces the settings as a whole.
   * New credentials, settings or base URL are verified with the provider before anything is stored.
   */
  async update(id: string, input: AccountUpdateInput): Promise<ProviderAccountView> {
    const row = await this.requireLive(id);
    const definition = this.definition(row.provider);
    const name = input.name === undefined ? undefined : cleanName(input.name, 'name');
    const enabled = checkEnabled(input.enabled);
    if (name !== undefined) await this.assertNameFree(this.repo, name, id);

    const connectionChanged = input.credentials !== undefined || input.settings !== undefined || input.baseUrl !== undefined;
    const patch: Updateable<ProviderAccountTable> = {};
    if (connectionChanged) {
      const credentials =
        input.credentials === undefined
          ? this.openCredentials(row)
          : this.checkCredentials(definition, { ...this.readableCredentials(row), ...checkCredentialShape(input.credentials) });
      const settings =
        input.settings === undefined ? parseSettings(row) : settingsWithDefaults(definition.settingsSchema, input.settings);
      const baseUrl = input.baseUrl === undefined ? row.base_url : checkBaseUrl(input.baseUrl);
      await this.verify(definition, { accountId: id, name: name ?? row.name, baseUrl, credentials, settings });
      Object.assign(patch, {
        credentials_enc: this.seal(id, credentials),
        settings_json: JSON.stringify(settings),
        base_url: baseUrl,
        health: 'ok',
        last_error: null,
      });
    }
    if (name !== undefined) patch.name = name;
    if (enabled !== undefined) patch.enabled = enabled ? 1 : 0;

    await this.inTransaction(async (repo) => {
      if (!(await repo.getLive(id))) throw notFound('provider account', id);
      if (name !== undefined) await this.assertNameFree(repo, name, id);
      await repo.update(id, { ...patch, updated_at: this.now() });
    });
    this.logger.info('provider account updated', { accountId: id, provider: row.provider, connectionChanged });
    this.hooks.accountsChanged(id);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.inTransaction(async (repo) => {
      const row = await repo.getLive(id);
      if (!row) throw notFound('provider account', id);
      const vms = await repo.countLiveVms(id);
      if (vms > 0) {
        throw conflict(
          'ACCOUNT_HAS_VMS',
          `provider account "${row.name}" still has ${vms} VM${vms === 1 ? '' : 's'}; delete them first`,
          {
            vmCount: vms,
          },
        );
      }
      const volumes = await repo.countLiveVolumes(id);
      if (volumes > 0) {
        throw conflict(
          'ACCOUNT_HAS_VOLUMES',
          `provider account "${row.name}" still has ${volumes} volume${volumes === 1 ? '' : 's'}; delete them first`,
          { volumeCount: volumes },
        );
      }
      const at = this.now();
      // The row stays for history; its secrets do not.
      await repo.update(id, { deleted_at: at, updated_at: at, enabled: 0, credentials_enc: this.seal(id, {}) });
    });
    this.logger.info('provider account removed', { accountId: id });
    this.hooks.accountsChanged(id);
  }

  async providers(): Promise<
    {
      id: string;
      displayName: string;
      defaultBaseUrl: string;
      capabilities: object;
      credentialsSchema: object;
      settingsSchema: object;
    }[]
  > {
    return this.definitions.map((d) => ({
      id: d.id,
      displayName: d.displayName,
      defaultBaseUrl: d.defaultBaseUrl,
      capabilities: d.capabilities,
      credentialsSchema: d.credentialsSchema,
      settingsSchema: d.settingsSchema,
    }));
  }

  async unmanagedInstances(): Promise<UnmanagedInstance[]> {
    return (await this.repo.foreignInstances()).map((r) => ({
      accountId: r.account_id,
      providerInstanceId: r.provider_instance_id,
      name: r.name,
      providerStatus: r.provider_status,
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
    }));
  }

  async projects(id: string): Promise<{ id: string; name: string }[]> {
    const { provider, name, redact } = await this.connected(id);
    if (!provider.listProjects) throw notSupported(name, 'projects');
    try {
      return await provider.listProjects();
    } catch (error) {
      return providerFailure(error, name, redact);
    }
  }

  // ---------- for the runtime and sandbox mode (not part of the API) ----------

  /** The decrypted configuration of a live account; null when it does not exist or was deleted. */
  async loadAccountConfig(id: string): Promise<LoadedAccountConfig | null> {
    const row = await this.repo.getLive(id);
    return row ? this.toConfig(row) : null;
  }

  /** Every live, enabled account, decrypted. An account whose secrets cannot be opened is left out and logged. */
  async listEnabledAccountConfigs(): Promise<LoadedAccountConfig[]> {
    const configs: LoadedAccountConfig[] = [];
    for (const row of await this.repo.listEnabled()) {
      try {
        configs.push(this.toConfig(row));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        this.logger.error('provider account skipped', { accountId: row.id, provider: row.provider, reason: error.message });
      }
    }
    return configs;
  }

  /** Record what the runtime last learned about an account's connection. */
  async markHealth(id: string, health: AccountHealth, lastError: string | null): Promise<void> {
    if (!HEALTH_VALUES.includes(health)) throw new Error(`unknown account health ${health}`);
    await this.repo.update(id, { health, last_error: lastError });
  }

  async markSynced(id: string, at: Date | string): Promise<void> {
    await this.repo.update(id, { last_synced_at: typeof at === 'string' ? at : at.toISOString() });
  }

  /**
   * The sandbox account of a provider, pointed at this run's simulator. Simulators listen on new ports at
   * every start, so an existing sandbox account is updated in place rather than duplicated. No verify call:
   * the simulator was just started with these very credentials.
   */
  async upsertSandboxAccount(input: {
    provider: string;
    name: string;
    baseUrl: string;
    credentials: Record<string, string>;
    settings: Record<string, unknown>;
  }): Promise<ProviderAccountView> {
    const definition = this.definition(input.provider);
    const name = cleanName(input.name, 'name');
    const credentials = this.checkCredentials(definition, input.credentials);
    const settings = settingsWithDefaults(definition.settingsSchema, input.settings);
    const baseUrl = checkBaseUrl(input.baseUrl);
    const id = await this.inTransaction(async (repo) => {
      const existing = await repo.findSandbox(definition.id);
      const accountId = existing?.id ?? randomUUID();
      await this.assertNameFree(repo, name, existing?.id);
      const at = this.now();
      const connection = {
        name,
        base_url: baseUrl,
        credentials_enc: this.seal(accountId, credentials),
        settings_json: JSON.stringify(settings),
        health: 'unknown',
        last_error: null,
        updated_at: at,
      };
      if (existing) {
        await repo.update(accountId, connection);
      } else {
        await repo.insert({
          id: accountId,
          provider: definition.id,
          ...connection,
          enabled: 1,
          is_sandbox: 1,
          last_synced_at: null,
          poll_claimed_by: null,
          poll_claimed_until: null,
          created_at: at,
          deleted_at: null,
        });
      }
      return accountId;
    });
    this.hooks.accountsChanged(id);
    return this.get(id);
  }

  // ---------- helpers ----------

  private definition(providerId: unknown): ProviderDefinition {
    const found = typeof providerId === 'string' ? this.definitions.find((d) => d.id === providerId) : undefined;
    if (!found) {
      throw badRequest(
        'UNKNOWN_PROVIDER',
        `unknown provider ${String(providerId)}; known: ${this.definitions.map((d) => d.id).join(', ')}`,
      );
    }
    return found;
  }

  private checkCredentials(definition: ProviderDefinition, value: unknown): Record<string, string> {
    const credentials = checkCredentialShape(value);
    checkAgainstSchema(definition.credentialsSchema, credentials, 'credentials');
    return credentials;
  }

  private async requireLive(id: string): Promise<ProviderAccountRow> {
    const row = await this.repo.getLive(id);
    if (!row) throw notFound('provider account', id);
    return row;
  }

  private async assertNameFree(repo: ProviderAccountRepository, name: string, exceptId?: string): Promise<void> {
    const taken = await repo.findLiveByName(name, exceptId);
    if (taken) throw conflict('NAME_TAKEN', `a provider account named "${taken.name}" already exists`);
  }

  private inTransaction<T>(work: (repo: ProviderAccountRepository) => Promise<T>): Promise<T> {
    return this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      return work(new ProviderAccountRepository(trx));
    });
  }

  /** Connect a throwaway adapter with the candidate configuration and ask the provider whether it works. */
  private async verify(definition: ProviderDefinition, config: ProviderAccountConfig): Promise<void> {
    const deps: ProviderDeps = {
      logger: this.logger,
      ...(this.onProviderCall ? { onProviderCall: this.onProviderCall } : {}),
      ...(this.providerObserver ? { observer: this.providerObserver } : {}),
    };
    const adapter = definition.connect(config, deps);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AppError(
              503,
              'GPU_PROVIDER_UNAVAILABLE',
              `${definition.displayName} did not answer the credentials check in time`,
            ),
          ),
        this.verifyTimeoutMs,
      );
    });
    try {
      await Promise.race([adapter.verify(), timeout]);
    } catch (error) {
      this.logger.warn('provider account check failed', {
        provider: definition.id,
        accountId: config.accountId,
        kind: (error as { kind?: string }).kind ?? 'other',
      });
      providerFailure(error, definition.displayName, redactor(config.credentials));
    } finally {
      clearTimeout(timer);
      await adapter.close().catch(() => undefined);
    }
  }

  private async connected(id: string): Promise<{ provider: Provider; name: string; redact: (text: string) => string }> {
    const row = await this.requireLive(id);
    const definition = this.definition(row.provider);
    const provider = await this.hooks.providerFor(id);
    return { provider, name: definition.displayName, redact: redactor(this.openCredentials(row)) };
  }

  private seal(accountId: string, credentials: Record<string, string>): string {
    return this.secrets.seal(credentials, sealContext(accountId));
  }

  private openCredentials(row: ProviderAccountRow): Record<string, string> {
    try {
      return this.secrets.open<Record<string, string>>(row.credentials_enc, sealContext(row.id));
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new AppError(
        500,
        'CREDENTIALS_UNREADABLE',
        `the stored credentials of provider account ${row.id} cannot be decrypted (was the secret key changed?); set them again`,
      );
    }
  }

  /** The stored credentials, or none when they cannot be decrypted: new ones are being set to replace them. */
  private readableCredentials(row: ProviderAccountRow): Record<string, string> {
    try {
      return this.openCredentials(row);
    } catch (error) {
      if (error instanceof AppError && error.code === 'CREDENTIALS_UNREADABLE') return {};
      throw error;
    }
  }

  private toConfig(row: ProviderAccountRow): LoadedAccountConfig {
    return {
      accountId: row.id,
      provider: row.provider,
      name: row.name,
      baseUrl: row.base_url,
      credentials: this.openCredentials(row),
      settings: parseSettings(row),
      enabled: Number(row.enabled) === 1,
    };
  }

  private toView(row: ProviderAccountRow): ProviderAccountView {
    let credentialFields: string[] = [];
    let lastError = row.last_error;
    try {
      credentialFields = Object.keys(this.openCredentials(row)).sort();
    } catch (error) {
      // Still list the account, so it can be fixed (or removed) through the API.
      if (!(error instanceof AppError)) throw error;
      lastError = error.message;
    }
    return {
      id: row.id,
      provider: row.provider,
      name: row.name,
      baseUrl: row.base_url,
      settings: parseSettings(row),
      enabled: Number(row.enabled) === 1,
      sandbox: Number(row.is_sandbox) === 1,
      health: (HEALTH_VALUES as readonly string[]).includes(row.health) ? (row.health as AccountHealth) : 'unknown',
      lastError,
      lastSyncedAt: row.last_synced_at,
      credentialFields,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

function sealContext(accountId: string): string {
  return `provider_account:${accountId}`;
}

function parseSettings(row: ProviderAccountRow): Record<string, unknown> {
  return JSON.parse(row.settings_json) as Record<string, unknown>;
}

function checkEnabled(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw badRequest('VALIDATION_ERROR', 'enabled must be true or false');
  return value;
}

function notSupported(providerName: string, what: string): AppError {
  return badRequest('NOT_SUPPORTED', `${providerName} accounts have no ${what}`);
}
