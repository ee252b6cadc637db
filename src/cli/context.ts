import type { Command } from 'commander';
import { ApiClient, type ApiResult } from './client.ts';
import { type CliConfig, type GlobalOptions, resolveConfig } from './config.ts';
import { colorEnabled } from './format/colors.ts';
import { formatData } from './format/data.ts';

/** What every API command needs: the client, the output mode and the two streams. */
export interface CommandContext {
  client: ApiClient;
  config: CliConfig;
  /** Colour for stdout. */
  color: boolean;
  /** Data as JSON or YAML (whichever --output asked for), for commands that print their own machine output. */
  printData(data: unknown): void;
  /** A line (or block) of the command's result on stdout. */
  print(text: string): void;
  /** Warnings and notes on stderr, so stdout stays parseable. */
  note(text: string): void;
  /**
   * The command's result: with --json the raw `data` (wrapped with `meta` when the answer is a page),
   * otherwise whatever `human` renders.
   */
  emit<T>(result: Pick<ApiResult<T>, 'data' | 'meta'>, human: (data: T) => string): void;
}

export function contextFor(command: Command): CommandContext {
  const config = resolveConfig(command.optsWithGlobals<GlobalOptions>());
  const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const printData = (data: unknown) => print(formatData(data, config.output === 'yaml' ? 'yaml' : 'json'));
  return {
    printData,
    client: new ApiClient(config),
    config,
    color: colorEnabled(process.stdout),
    print,
    note: (text) => process.stderr.write(`${text}\n`),
    emit(result, human) {
      if (config.json) {
        printData(result.meta ? { data: result.data, meta: result.meta } : result.data);
        return;
      }
      const text = human(result.data);
      if (text !== '') print(text);
    },
  };
}
