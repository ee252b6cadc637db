import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../version.ts';
import { registerAccountCommands } from './commands/accounts.ts';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerCompletionCommand } from './commands/completion.ts';
import { registerCostCommand } from './commands/costs.ts';
import { registerEventsCommand } from './commands/events.ts';
import { registerGpuCommands } from './commands/gpu.ts';
import { registerSshConfigCommand } from './commands/gpu-ssh.ts';
import { registerGroupCommands } from './commands/groups.ts';
import { registerHealthCommand } from './commands/health.ts';
import { registerJobsCommand } from './commands/jobs.ts';
import { registerApiKeyCommands } from './commands/keys.ts';
import { registerProfileCommands } from './commands/profiles.ts';
import { registerScriptCommands } from './commands/scripts.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerSshKeyCommands } from './commands/ssh-keys.ts';
import { registerVolumeCommands } from './commands/volumes.ts';
import { registerWebhookCommands } from './commands/webhooks.ts';
import { DEFAULT_URL, OUTPUT_FORMATS } from './config.ts';
import { ApiError, CliError } from './errors.ts';

/** Errors go out as JSON when the output asked for is machine-readable; read from argv, as parsing may be what failed. */
const jsonErrors = wantsMachineOutput(process.argv.slice(2));

function buildProgram(): Command {
  const program = new Command('gpufleet')
    .description('One control plane for GPU VMs across GPU clouds.')
    .version(VERSION, '-V, --version', 'print the gpufleet version')
    .option('--url <url>', `server address (env GPUFLEET_URL, else the profile's, default ${DEFAULT_URL})`)
    .option('--api-key <key>', "API key (env GPUFLEET_API_KEY, else the profile's, else the local sandbox admin key)")
    .option('--profile <name>', 'a profile saved by `gpufleet login` (env GPUFLEET_PROFILE, default the current one)')
    .option('--json', 'print the raw API data as JSON, for scripts (same as --output json)')
    .addOption(
      new Option('-o, --output <format>', 'table (default), wide (more columns), json or yaml').choices([...OUTPUT_FORMATS]),
    )
    .showHelpAfterError(jsonErrors ? false : '(run with --help for usage)')
    // Commander exits by itself on a bad command line; throwing instead lets usage errors exit with 2.
    .exitOverride();
  // In JSON mode the error is written once, as JSON, by exitCodeFor.
  if (jsonErrors) program.configureOutput({ outputError: () => {} });
  registerGpuCommands(program);
  registerCatalogCommands(program);
  registerSshKeyCommands(program);
  registerSshConfigCommand(program);
  registerScriptCommands(program);
  registerVolumeCommands(program);
  registerGroupCommands(program);
  registerAccountCommands(program);
  registerCostCommand(program);
  registerJobsCommand(program);
  registerEventsCommand(program);
  registerWebhookCommands(program);
  registerApiKeyCommands(program);
  registerHealthCommand(program);
  registerServeCommand(program);
  registerSimulateCommand(program);
  registerProfileCommands(program);
  // Last: it reads the whole tree.
  registerCompletionCommand(program);
  return program;
}

/** 0 success, 1 the API or the operation failed, 2 usage error, 3 the server could not be reached. */
function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message (or the help) already; help asked for is a success.
    if (err.exitCode === 0) return 0;
    if (jsonErrors) writeJsonError('USAGE', err.message.replace(/^error: /, ''));
    return 2;
  }
  if (err instanceof CliError) {
    const code = err.code ?? (err.exitCode === 2 ? 'USAGE' : null);
    if (jsonErrors) writeJsonError(code ?? 'ERROR', err.message, err instanceof ApiError ? err.details : undefined);
    else {
      process.stderr.write(`error: ${err.message}${err.code ? ` (${err.code})` : ''}\n`);
      if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    }
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (jsonErrors) writeJsonError('ERROR', message);
  else process.stderr.write(`error: ${message}\n`);
  return 1;
}

/** The API's own error shape: `error` is the machine code, `USAGE` for a wrong command line. */
function writeJsonError(error: string, message: string, details?: unknown): void {
  process.stderr.write(`${JSON.stringify({ error, message, ...(details === undefined ? {} : { details }) })}\n`);
}

function wantsMachineOutput(args: readonly string[]): boolean {
  for (const [i, arg] of args.entries()) {
    if (arg === '--') return false;
    if (arg === '--json') return true;
    const value = arg === '--output' || arg === '-o' ? args[i + 1] : /^(?:--output=|-o)(.+)$/.exec(arg)?.[1];
    if (value === 'json' || value === 'yaml') return true;
  }
  return false;
}

// Output piped into a reader that has had enough (`gpufleet gpu ls | head -1`) ends the command quietly, as
// other command-line tools do, instead of crashing on the closed pipe.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}
