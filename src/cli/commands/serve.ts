import type { Command } from 'commander';
import { portNumber } from '../options.ts';

/** Runs the server in this process. The server reads its own configuration from the environment. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gpufleet server (API and dashboard)')
    .option('--port <n>', 'port to listen on (env PORT)', portNumber)
    .option('--host <host>', 'address to listen on (env HOST)')
    .option('--data-dir <dir>', 'where the local database and keys live (env GPUFLEET_DATA_DIR)')
    .action(async (opts: { port?: number; host?: string; dataDir?: string }) => {
      if (opts.port !== undefined) process.env.PORT = String(opts.port);
      if (opts.host !== undefined) process.env.HOST = opts.host;
      if (opts.dataDir !== undefined) process.env.GPUFLEET_DATA_DIR = opts.dataDir;
      // Loaded only here: every other command stays quick to start and never pulls in the server.
      const { startServer } = await import('../../server.ts');
      await startServer();
    });
}
