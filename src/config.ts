import { resolve } from 'node:path';

/** Everything gpufleet reads from its environment, parsed once. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** `postgres://…` or a SQLite file path. */
  databaseUrl: string;
  /** `sandbox` starts the three simulated clouds and points accounts at them; `production` does not. */
  mode: 'sandbox' | 'production' | 'auto';
  adminKey: string | null;
  maxStalenessMs: number;
  simulatorTransitionMs: number;
  rateLimitPerMinute: number;
  logLevel: string;
  /** Stored events older than this are pruned: how far back `/v1/events` can replay. */
  eventRetentionDays: number;
  /** Bearer token that may scrape `GET /metrics` (on the main port, and on the metrics port when there is one). */
  metricsToken: string | null;
  /** A listener of its own for `GET /metrics` (null: none); bound to `metricsHost`. */
  metricsPort: number | null;
  metricsHost: string;
  webhooks: {
    /** Hosts webhooks may point at (exact names or `*.example.com`); null: any. */
    allowedHosts: string[] | null;
    /** Let webhooks reach private, loopback and link-local addresses; null: the mode decides (sandbox yes, production no). */
    allowPrivateAddresses: boolean | null;
  };
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function positiveIntFrom(value: string | undefined, fallback: number, name: string): number {
  const n = intFrom(value, fallback, name);
  if (n < 1) throw new Error(`${name} must be at least 1, got "${value}"`);
  return n;
}

/** A token short enough to guess would expose the fleet's shape to anyone who tries. */
function metricsTokenFrom(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  const token = value.trim();
  if (token.length < 16 || /\s/.test(token))
    throw new Error('GPUFLEET_METRICS_TOKEN must be at least 16 characters without spaces (e.g. openssl rand -hex 24)');
  return token;
}

function booleanFrom(value: string | undefined, name: string): boolean | null {
  if (value === undefined || value === '') return null;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}

function listFrom(value: string | undefined): string[] | null {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
  return items.length > 0 ? items : null;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.GPUFLEET_DATA_DIR ?? '.gpufleet');
  const mode = (env.GPUFLEET_MODE ?? 'auto') as Config['mode'];
  if (!['sandbox', 'production', 'auto'].includes(mode))
    throw new Error(`GPUFLEET_MODE must be sandbox, production or auto, got "${mode}"`);
  return {
    host: env.HOST ?? '127.0.0.1',
    port: intFrom(env.PORT, 8080, 'PORT'),
    dataDir,
    databaseUrl: env.DATABASE_URL ?? resolve(dataDir, 'gpufleet.db'),
    mode,
    adminKey: env.GPUFLEET_ADMIN_KEY ?? null,
    maxStalenessMs: intFrom(env.GPUFLEET_MAX_STALENESS_MS, 10_000, 'GPUFLEET_MAX_STALENESS_MS'),
    simulatorTransitionMs: intFrom(env.GPUFLEET_SIM_TRANSITION_MS, 2_500, 'GPUFLEET_SIM_TRANSITION_MS'),
    rateLimitPerMinute: intFrom(env.GPUFLEET_RATE_LIMIT_PER_MINUTE, 1_000, 'GPUFLEET_RATE_LIMIT_PER_MINUTE'),
    logLevel: env.GPUFLEET_LOG_LEVEL ?? 'info',
    eventRetentionDays: positiveIntFrom(env.GPUFLEET_EVENT_RETENTION_DAYS, 7, 'GPUFLEET_EVENT_RETENTION_DAYS'),
    metricsToken: metricsTokenFrom(env.GPUFLEET_METRICS_TOKEN),
    metricsPort: env.GPUFLEET_METRICS_PORT ? positiveIntFrom(env.GPUFLEET_METRICS_PORT, 0, 'GPUFLEET_METRICS_PORT') : null,
    metricsHost: env.GPUFLEET_METRICS_HOST || '127.0.0.1',
    webhooks: {
      allowedHosts: listFrom(env.GPUFLEET_WEBHOOK_ALLOWED_HOSTS),
      allowPrivateAddresses: booleanFrom(env.GPUFLEET_WEBHOOK_ALLOW_PRIVATE, 'GPUFLEET_WEBHOOK_ALLOW_PRIVATE'),
    },
  };
}
