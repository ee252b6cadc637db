import type { Command } from 'commander';
import type { RunningSimulator } from '../../core/provider/provider.ts';
import { contextFor } from '../context.ts';
import { UsageError } from '../errors.ts';
import { keyValuePairs, nonNegativeInt, nonNegativeNumber, portNumber } from '../options.ts';

interface SimulateFlags {
  port: number;
  host: string;
  transitionMs?: number;
  credential?: string[];
  stateFile?: string;
  seed?: number;
}

/** Runs one provider's simulator in this process until SIGINT/SIGTERM: a fake cloud to point an account at. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description("run a provider's API simulator (a fake cloud for trying gpufleet out)")
    .argument('<provider>', 'verda, runpod or fluidstack')
    .option('--port <n>', 'port to listen on (0 picks a free one)', portNumber, 0)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--transition-ms <ms>', 'how long each state change takes', nonNegativeNumber)
    .option('--credential <key=value...>', 'credentials the simulator accepts (default: its documented ones)')
    .option('--state-file <path>', 'keep the simulated cloud across restarts in this file')
    .option('--seed <n>', 'seed for ids and addresses, for repeatable runs', nonNegativeInt)
    .action(async (providerId: string, opts: SimulateFlags, cmd: Command) => {
      const credentials = keyValuePairs(opts.credential, '--credential');
      const { findProvider, providerRegistry } = await import('../../providers/registry.ts');
      const definition = findProvider(providerId);
      if (!definition) {
        throw new UsageError(`unknown provider "${providerId}"; known: ${providerRegistry.map((p) => p.id).join(', ')}`);
      }
      const simulator = await definition.simulator.start({
        port: opts.port,
        host: opts.host,
        transitionMs: opts.transitionMs,
        credentials: Object.keys(credentials).length > 0 ? credentials : undefined,
        stateFile: opts.stateFile,
        seed: opts.seed,
      });
      // Listen for the signals before saying "ready": whoever reads that may stop us at once.
      const signalled = untilSignalled();
      const ctx = contextFor(cmd);
      const info = { provider: definition.id, baseUrl: simulator.baseUrl, ...simulator.account };
      ctx.emit({ data: info, meta: null }, () => describe(definition.displayName, definition.id, simulator));
      await signalled;
      await simulator.close();
    });
}

function describe(displayName: string, id: string, simulator: RunningSimulator): string {
  const { credentials, settings } = simulator.account;
  const args = [`gpufleet accounts add ${id} --name ${id}-sim --base-url ${shellQuote(simulator.baseUrl)}`];
  for (const [key, value] of Object.entries(credentials)) args.push(`--credential ${shellQuote(`${key}=${value}`)}`);
  if (Object.keys(settings).length > 0) args.push(`--settings-json ${shellQuote(JSON.stringify(settings))}`);
  return [
    `${displayName} simulator listening at ${simulator.baseUrl}`,
    `credentials: ${JSON.stringify(credentials)}`,
    `settings:    ${JSON.stringify(settings)}`,
    '',
    'Connect it to gpufleet with:',
    `  ${args.join(' \\\n    ')}`,
    '',
    'Ctrl+C stops it.',
  ].join('\n');
}

function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
