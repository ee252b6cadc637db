import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.ts';
import { registerAccountCommands } from './commands/accounts.ts';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerCostCommand } from './commands/costs.ts';
import { registerGpuCommands } from './commands/gpu.ts';
import { registerGroupCommands } from './commands/groups.ts';
import { registerHealthCommand } from './commands/health.ts';
import { registerJobsCommand } from './commands/jobs.ts';
import { registerApiKeyCommands } from './commands/keys.ts';
import { registerScriptCommands } from './commands/scripts.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerSshKeyCommands } from './commands/ssh-keys.ts';
import { registerVolumeCommands } from './commands/volumes.ts';
import { DEFAULT_URL } from './config.ts';
import { CliError } from './errors.ts';

function buildProgram(): Command {
  const program = new Command('gpufleet')
    .description('One control plane for GPU VMs across GPU clouds.')
    .version(VERSION, '-V, --version', 'print the gpufleet version')
    .option('--url <url>', `server address (env GPUFLEET_URL, default ${DEFAULT_URL})`)
    .option('--api-key <key>', 'API key (env GPUFLEET_API_KEY, else the local sandbox admin key)')
    .option('--json', 'print the raw API data as JSON, for scripts')
    .showHelpAfterError('(run with --help for usage)')
    // Commander exits by itself on a bad command line; throwing instead lets usage errors exit with 2.
    .exitOverride();
  registerGpuCommands(program);
  registerCatalogCommands(program);
  registerSshKeyCommands(program);
  registerScriptCommands(program);
  registerVolumeCommands(program);
  registerGroupCommands(program);
  registerAccountCommands(program);
  registerCostCommand(program);
  registerJobsCommand(program);
  registerApiKeyCommands(program);
  registerHealthCommand(program);
  registerServeCommand(program);
  registerSimulateCommand(program);
  return program;
}

/** 0 success, 1 the API or the operation failed, 2 usage error, 3 the server could not be reached. */
function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message (or the help) already; help asked for is a success.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}${err.code ? ` (${err.code})` : ''}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}
