import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.ts';
import { runCli } from './support/fake-api.ts';

const PACKAGE = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

describe('gpufleet --version', () => {
  it('is the version in package.json', () => {
    expect(VERSION).toBe(PACKAGE.version);
  });

  it('prints the version and exits 0, with no server to reach', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await runCli([flag], { url: 'http://127.0.0.1:9' });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${PACKAGE.version}\n`);
      expect(run.stderr).toBe('');
    }
  });
});
