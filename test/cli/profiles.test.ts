import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, fail, ok, pageMeta, runCli } from './support/fake-api.ts';

describe('gpufleet login, logout and profiles', () => {
  let api: FakeApi;
  let configHome: string;
  /** No URL or key from the environment: everything comes from the config file. */
  const run = (args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) =>
    runCli(args, { apiKey: null, cwd: options.cwd, env: { XDG_CONFIG_HOME: configHome, ...options.env } });

  beforeEach(async () => {
    api = await new FakeApi().start();
    configHome = mkdtempSync(join(tmpdir(), 'gpufleet-cli-xdg-'));
  });
  afterEach(() => api.close());

  const configFile = () => join(configHome, 'gpufleet', 'config.json');

  it('checks the key, saves it with mode 600, and then works from any directory', async () => {
    api.on('GET', '/v1/resource/gpu', (req) =>
      req.headers['x-api-key'] === 'good-key' ? ok([], pageMeta(0)) : fail(401, 'UNAUTHORIZED', 'invalid API key'),
    );
    const login = await run(['login', '--url', `${api.url}/v1/`, '--key', 'good-key']);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${api.url} as profile "default"`);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(configFile(), 'utf8'))).toMatchObject({
      currentProfile: 'default',
      profiles: { default: { url: api.url, apiKey: 'good-key' } },
    });

    const ls = await run(['gpu', 'ls'], { cwd: tmpdir() });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('No GPU VMs.');
    expect(api.requests.at(-1)!.headers['x-api-key']).toBe('good-key');
  });

  it('saves nothing when the server refuses the key', async () => {
    api.on('GET', '/v1/resource/gpu', fail(401, 'UNAUTHORIZED', 'invalid API key'));
    const login = await run(['login', '--url', api.url, '--key', 'bad-key']);
    expect(login.code).toBe(1);
    expect(login.stderr).toContain('refused this key');
    expect(() => statSync(configFile())).toThrow();
  });

  it('keeps named profiles; the environment wins over them, --profile and GPUFLEET_PROFILE pick one', async () => {
    const other = await new FakeApi().start();
    try {
      api.on('GET', '/v1/resource/gpu', ok([], pageMeta(0)));
      other.on('GET', '/v1/resource/gpu', ok([], pageMeta(0)));
      expect((await run(['login', '--url', api.url, '--key', 'key-a', '--profile', 'a'])).code).toBe(0);
      expect((await run(['login', '--url', other.url, '--key', 'key-b', '--profile', 'b'])).code).toBe(0);

      const list = await run(['profiles']);
      expect(list.stdout).toMatch(/\*\s+b\s/);
      expect(list.stdout).toContain(api.url);
      expect(list.stdout).not.toContain('key-a');

      await run(['gpu', 'ls']);
      expect(other.requests.at(-1)!.headers['x-api-key']).toBe('key-b');
      await run(['gpu', 'ls', '--profile', 'a']);
      expect(api.requests.at(-1)!.headers['x-api-key']).toBe('key-a');
      await run(['gpu', 'ls'], { env: { GPUFLEET_PROFILE: 'a' } });
      expect(api.requests.at(-1)!.headers['x-api-key']).toBe('key-a');
      await run(['gpu', 'ls'], { env: { GPUFLEET_API_KEY: 'from-env' } });
      expect(other.requests.at(-1)!.headers['x-api-key']).toBe('from-env');

      const unknown = await run(['gpu', 'ls', '--profile', 'nope']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no profile named "nope"');

      const logout = await run(['logout']);
      expect(logout.code).toBe(0);
      expect(logout.stdout).toContain('Logged out of "b"; the current profile is now "a"');
      const after = JSON.parse(readFileSync(configFile(), 'utf8'));
      expect(Object.keys(after.profiles)).toEqual(['a']);
      expect(after.currentProfile).toBe('a');
    } finally {
      await other.close();
    }
  });
});
