import { join } from 'node:path';
import { createApp, loadOrCreateWorkerId } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { prepareDataDir } from './data-dir.ts';
import { createLogger, type LogLevel } from './logger.ts';
import { lockSandbox } from './sandbox-lock.ts';
import { ADMIN_KEY_FILE, loadOrCreateAdminKey } from './services/api-keys/bootstrap.ts';
import { loadOrCreateSecretKey } from './services/secrets.ts';
import { openStore } from './store/database.ts';
import { registerWeb } from './web/plugin.ts';

/**
 * `npm start` / `gpufleet serve`: open the store, decide the mode, start everything, print where to go.
 * With no configuration this is sandbox mode: SQLite in the data directory and three simulated clouds.
 */
export async function startServer(config: Config = loadConfig()): Promise<{ url: string; close(): Promise<void> }> {
  const logger = createLogger(config.logLevel as LogLevel);
  const isPostgres = /^postgres(ql)?:\/\//.test(config.databaseUrl);
  const { warnings } = prepareDataDir(config.dataDir, isPostgres ? null : config.databaseUrl);
  for (const warning of warnings) logger.warn(warning);
  const store = await openStore({ url: config.databaseUrl });
  const mode = config.mode === 'auto' ? await autoMode(store) : config.mode;
  const admin = loadOrCreateAdminKey(config.dataDir, config.adminKey);
  let unlock = () => {};
  try {
    if (mode === 'sandbox') unlock = lockSandbox(config.dataDir);
  } catch (error) {
    await store.close();
    throw error;
  }

  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp({
      store,
      secretKey: loadOrCreateSecretKey(config.dataDir),
      adminKey: admin.key,
      mode,
      sandbox: { stateDir: config.dataDir, transitionMs: config.simulatorTransitionMs },
      logger,
      maxStalenessMs: config.maxStalenessMs,
      rateLimitPerMinute: config.rateLimitPerMinute,
      eventRetentionDays: config.eventRetentionDays,
      metrics: { token: config.metricsToken, port: config.metricsPort, host: config.metricsHost },
      webhooks: {
        allowedHosts: config.webhooks.allowedHosts,
        ...(config.webhooks.allowPrivateAddresses !== null
          ? { allowPrivateAddresses: config.webhooks.allowPrivateAddresses }
          : {}),
      },
      // SQLite (and the sandbox) mean one server per data directory: its identity can be stable there.
      ...(store.dialect === 'sqlite' || mode === 'sandbox' ? { workerId: loadOrCreateWorkerId(config.dataDir) } : {}),
      web: registerWeb,
    });
  } catch (error) {
    // Nothing may stay locked or open when the app cannot start (e.g. the metrics port is taken).
    await store.close();
    unlock();
    throw error;
  }
  try {
    await app.api.listen({ host: config.host, port: config.port });
  } catch (error) {
    // A server that cannot listen must not linger with its simulators and background loops running.
    await app.close();
    await store.close();
    unlock();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${config.port} on ${config.host} is already in use (another gpufleet server or another program); choose another port with --port <n> or PORT=<n> (EADDRINUSE)`,
      );
    }
    throw error;
  }
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;

  const close = async () => {
    await app.close();
    await store.close();
    unlock();
  };
  const onSignal = () => {
    process.stdout.write('shutting down\n');
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before the banner: whoever reads it may stop the server at once, and must get a clean shutdown.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const lines = [
    '',
    `gpufleet ${mode === 'sandbox' ? 'sandbox ' : ''}is running at ${url}`,
    ...adminKeyLines(url, admin, join(config.dataDir, ADMIN_KEY_FILE)),
    `  API docs:   ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
    `  database:   ${store.dialect === 'sqlite' ? config.databaseUrl : 'PostgreSQL'}`,
    mode === 'sandbox'
      ? `  clouds:     simulated ${app.sandbox?.clouds.map((c) => c.definition.displayName).join(', ')} (sandbox mode; add real accounts at /v1/provider-accounts)`
      : '  clouds:     the provider accounts configured at /v1/provider-accounts',
    `  metrics:    ${metricsLine(mode, url, app.metricsUrl, config.metricsToken !== null)}`,
    `  CLI:        npx gpufleet gpu ls`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return { url, close };
}

/**
 * A key is secret output: it is shown once, when it is generated, since terminals and log collectors keep
 * what a server prints at every start. Afterwards the banner says where the key is, never what it is.
 */
export function adminKeyLines(
  url: string,
  admin: { key: string; source: 'config' | 'file' | 'generated' },
  file: string,
): string[] {
  switch (admin.source) {
    case 'generated':
      return [`  dashboard:  ${url}/#key=${admin.key}`, `  admin key:  ${admin.key}  (new: shown this once, saved in ${file})`];
    case 'file':
      return [`  dashboard:  ${url}/  (sign in with the admin key)`, `  admin key:  in ${file}`];
    case 'config':
      return [`  dashboard:  ${url}/  (sign in with the admin key)`, '  admin key:  the one set in GPUFLEET_ADMIN_KEY'];
  }
}

/** Where Prometheus scrapes, and with what (never the token itself). */
function metricsLine(mode: 'sandbox' | 'production', url: string, metricsUrl: string | null, token: boolean): string {
  const where = [
    ...(mode === 'sandbox' ? [`${url}/metrics (admin key${token ? ' or GPUFLEET_METRICS_TOKEN' : ''})`] : []),
    ...(mode === 'production' && token ? [`${url}/metrics (GPUFLEET_METRICS_TOKEN)`] : []),
    ...(metricsUrl ? [`${metricsUrl}/metrics${token ? ' (GPUFLEET_METRICS_TOKEN)' : ''}`] : []),
  ];
  return where.length ? where.join(', ') : 'off (set GPUFLEET_METRICS_TOKEN or GPUFLEET_METRICS_PORT)';
}

/** No mode configured: sandbox until a real (non-sandbox) provider account exists. */
async function autoMode(store: Awaited<ReturnType<typeof openStore>>): Promise<'sandbox' | 'production'> {
  const real = await store.db
    .selectFrom('provider_accounts')
    .select('id')
    .where('is_sandbox', '=', 0)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return real ? 'production' : 'sandbox';
}
