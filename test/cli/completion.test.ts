import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/fake-api.ts';

describe('gpufleet completion', () => {
  let bashFile: string;

  beforeAll(async () => {
    const run = await runCli(['completion', 'bash']);
    expect(run.code).toBe(0);
    bashFile = join(mkdtempSync(join(tmpdir(), 'gpufleet-completion-')), 'gpufleet.bash');
    writeFileSync(bashFile, run.stdout);
  });

  /** What bash offers after `gpufleet <words>`, the last word being the one under the cursor. */
  function complete(...words: string[]): string[] {
    const array = ['gpufleet', ...words].map((w) => `'${w}'`).join(' ');
    const script = `source '${bashFile}'; COMP_WORDS=(${array}); COMP_CWORD=${words.length}; _gpufleet; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean);
  }

  it('completes commands, subcommands, options and option values in bash', () => {
    expect(complete('')).toEqual(expect.arrayContaining(['gpu', 'accounts', 'login', 'profiles', 'completion']));
    expect(complete('gpu', '')).toEqual(expect.arrayContaining(['ls', 'order', 'ssh', 'stop', 'start', 'rm']));
    expect(complete('gpu', 'or')).toEqual(['order']);
    expect(complete('gpu', 'order', '--se')).toEqual(['--series', '--secret-env']);
    expect(complete('--url', 'http://x', 'gpu', 'order', '--name', 'x', '--gp')).toEqual(['--gpus']);
    expect(complete('gpu', 'list', '--')).toEqual(expect.arrayContaining(['--all', '--json', '--profile']));
    expect(complete('--output', '')).toEqual(['table', 'wide', 'json', 'yaml']);
    expect(complete('accounts', '')).toEqual(expect.arrayContaining(['add', 'providers']));
  });

  it('prints zsh (through bashcompinit) and fish scripts, and refuses other shells', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n/);
    expect(zsh.stdout).toContain('complete -o default -F _gpufleet gpufleet');

    const fish = await runCli(['completion', 'fish']);
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("-n '__fish_seen_subcommand_from gpu; and not __fish_seen_subcommand_from ls list");
    expect(fish.stdout).toMatch(/-a order -d 'order a GPU VM/);
    expect(fish.stdout).toMatch(/__fish_seen_subcommand_from order' -l series -r/);

    const other = await runCli(['completion', 'tcsh']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('completion takes bash, zsh or fish');
  });
});
