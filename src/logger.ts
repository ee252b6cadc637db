import type { ProviderLogger } from './core/provider/provider.ts';

export type Logger = ProviderLogger & { debug(msg: string, fields?: Record<string, unknown>): void };

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** One JSON line per event on stderr; `GPUFLEET_LOG_LEVEL` sets the threshold. */
export function createLogger(level: LogLevel = (process.env.GPUFLEET_LOG_LEVEL as LogLevel) ?? 'info'): Logger {
  const threshold = LEVELS[level] ?? LEVELS.info;
  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < threshold) return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
