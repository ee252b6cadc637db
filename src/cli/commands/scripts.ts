import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { StartupScript } from '../../contract/startup-scripts.ts';
import { contextFor } from '../context.ts';
import { UsageError } from '../errors.ts';
import { renderTable } from '../format/table.ts';
import { formatTime } from '../format/values.ts';
import { positiveInt } from '../options.ts';
import { resolveStartupScriptId } from '../resolve.ts';

export function registerScriptCommands(program: Command): void {
  const scripts = program.command('scripts').description('startup scripts new GPU VMs run once at first boot');

  scripts
    .command('ls')
    .alias('list')
    .description('list startup scripts')
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--limit <n>', 'rows per page (at most 100)', positiveInt, 100)
    .action(async (opts: { page: number; limit: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.get<StartupScript[]>('/v1/resource/startup-scripts', {
        page: opts.page,
        limit: opts.limit,
      });
      ctx.emit(result, (rows) =>
        rows.length === 0
          ? 'No startup scripts.'
          : renderTable(rows, [
              { header: 'ID', value: (s) => s.id },
              { header: 'NAME', value: (s) => s.name },
              { header: 'SIZE', value: (s) => `${s.sizeBytes} B` },
              { header: 'FIRST LINE', value: (s) => firstLine(s.script) },
              { header: 'UPDATED', value: (s) => formatTime(s.updatedAt) },
            ]),
      );
    });

  scripts
    .command('show')
    .description('print a startup script')
    .argument('<script>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveStartupScriptId(ctx.client, ref);
      const result = await ctx.client.get<StartupScript>(`/v1/resource/startup-scripts/${id}`);
      ctx.emit(result, (script) => script.script.replace(/\n$/, ''));
    });

  scripts
    .command('add')
    .description('save a startup script from a file')
    .argument('<name>')
    .argument('<file>', 'the script, e.g. setup.sh (a script without #! runs under bash)')
    .action(async (name: string, file: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.post<StartupScript>('/v1/resource/startup-scripts', {
        name,
        script: await readScript(file),
      });
      ctx.emit(result, (script) => `Added startup script ${script.name} (${script.id}), ${script.sizeBytes} bytes`);
    });

  scripts
    .command('update')
    .description('replace the text of a startup script (VMs already ordered keep theirs)')
    .argument('<script>', 'name or id')
    .argument('<file>')
    .action(async (ref: string, file: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveStartupScriptId(ctx.client, ref);
      const result = await ctx.client.put<StartupScript>(`/v1/resource/startup-scripts/${id}`, {
        script: await readScript(file),
      });
      ctx.emit(result, (script) => `Updated startup script ${script.name}, now ${script.sizeBytes} bytes`);
    });

  scripts
    .command('rm')
    .alias('delete')
    .description('delete a startup script (VMs ordered with it keep their copy)')
    .argument('<script>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveStartupScriptId(ctx.client, ref);
      await ctx.client.delete(`/v1/resource/startup-scripts/${id}`);
      ctx.emit({ data: { id, deleted: true }, meta: null }, () => `Deleted startup script ${ref}.`);
    });
}

/** A script file's text; a missing or unreadable file is a usage error naming it. */
export async function readScript(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read script ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function firstLine(script: string): string {
  const line = script.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#!')) ?? '';
  return line.length > 40 ? `${line.slice(0, 39)}…` : line;
}
