import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, ok, pageMeta, runCli } from './support/fake-api.ts';
import { sshKey } from './support/fixtures.ts';

const LAPTOP = sshKey();
const GROUP = { id: 'ffffffff-0000-4000-8000-000000000001', name: 'research', description: null, vmCount: 2, budget: null };
const API_KEY = {
  id: '99999999-0000-4000-8000-000000000001',
  name: 'ci',
  role: 'power_user',
  prefix: 'gpf_ab',
  createdAt: '2025-03-01T10:00:00.000Z',
  expiresAt: null,
  suspended: false,
  lastUsedAt: null,
};

describe('gpufleet ssh-keys, groups and keys', () => {
  let api: FakeApi;
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { url: api.url });

  beforeEach(async () => {
    api = await new FakeApi().start();
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-keys-'));
  });
  afterEach(() => api.close());

  it('uploads a public key read from --file', async () => {
    const file = join(dir, 'id_ed25519.pub');
    writeFileSync(file, `${LAPTOP.publicKey}\n`);
    api.on('POST', '/v1/resource/ssh-keys', ok(LAPTOP, null, 201));

    const run = await cli('ssh-keys', 'add', 'laptop', '--file', file, '--default');

    expect(run.code).toBe(0);
    expect(api.sent('POST')[0]!.body).toEqual({ name: 'laptop', publicKey: LAPTOP.publicKey, isDefault: true });
    expect(run.stdout).toContain(`Added laptop (${LAPTOP.id}), ed25519 SHA256:abc`);
  });

  it('needs exactly one of --file and --public-key', async () => {
    const run = await cli('ssh-keys', 'add', 'laptop');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('exactly one of --file or --public-key');
  });

  it('writes a generated private key with mode 600 and never over an existing file', async () => {
    const privateKey = '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n-----END OPENSSH PRIVATE KEY-----';
    api.on('POST', '/v1/resource/ssh-keys/generate', ok({ ...LAPTOP, privateKey }, null, 201));
    const out = join(dir, 'gpufleet_key');

    const run = await cli('ssh-keys', 'generate', 'laptop', '--algorithm', 'ed25519', '--out', out);

    expect(run.code).toBe(0);
    expect(api.sent('POST')[0]!.body).toEqual({ name: 'laptop', algorithm: 'ed25519' });
    expect(readFileSync(out, 'utf8')).toBe(`${privateKey}\n`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(run.stdout).not.toContain('secret');

    const again = await cli('ssh-keys', 'generate', 'laptop2', '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('it already exists');
    // Refused before the server made a key that could not be saved.
    expect(api.sent('POST')).toHaveLength(1);
  });

  it('sets the default key and deletes a key by name', async () => {
    api.on('GET', '/v1/resource/ssh-keys', ok([LAPTOP], pageMeta(1)));
    api.on('PUT', `/v1/resource/ssh-keys/${LAPTOP.id}`, ok({ ...LAPTOP, isDefault: true }));
    // As the server answers: GPCN's envelope with null data.
    api.on('DELETE', `/v1/resource/ssh-keys/${LAPTOP.id}`, ok(null));

    const setDefault = await cli('ssh-keys', 'default', 'laptop');
    expect(setDefault.code).toBe(0);
    expect(api.sent('PUT')[0]!.body).toEqual({ isDefault: true });

    const removed = await cli('ssh-keys', 'rm', 'laptop');
    expect(removed.code).toBe(0);
    expect(api.sent('DELETE')).toHaveLength(1);
    expect(removed.stdout.trim()).toBe('Deleted SSH key laptop.');
  });

  it('creates a group, then sets and clears its budget', async () => {
    api.on('POST', '/v1/resource-groups', ok(GROUP, null, 201));
    api.on('GET', '/v1/resource-groups', ok([GROUP], pageMeta(1)));
    api.on('PUT', `/v1/resource-groups/${GROUP.id}`, (req) => ok({ ...GROUP, ...(req.body as object) }));

    expect((await cli('groups', 'create', 'research', '--description', 'ML team')).code).toBe(0);
    expect(api.sent('POST')[0]!.body).toEqual({ name: 'research', description: 'ML team' });

    const set = await cli('groups', 'budget', 'research', '--amount', '500', '--action', 'stop');
    expect(set.code).toBe(0);
    expect(api.sent('PUT')[0]!.body).toEqual({
      budget: { monthlyAmount: 500, currency: 'usd', warnAtPercent: 80, action: 'stop' },
    });
    expect(set.stdout).toContain('research: budget $500.00/month, warn at 80%, then stop.');

    expect((await cli('groups', 'budget', 'research', '--clear')).code).toBe(0);
    expect(api.sent('PUT')[1]!.body).toEqual({ budget: null });

    expect((await cli('groups', 'budget', 'research')).code).toBe(2);
  });

  it('lists groups as JSON with their page meta', async () => {
    api.on('GET', '/v1/resource-groups', ok([GROUP], pageMeta(1)));
    const run = await cli('groups', 'ls', '--json');
    expect(JSON.parse(run.stdout)).toEqual({ data: [GROUP], meta: pageMeta(1) });
  });

  it('creates an API key and shows its secret once; rotates and suspends by name', async () => {
    api.on('POST', '/v1/api-keys', ok({ ...API_KEY, key: 'gpf_ab_secret' }, null, 201));
    api.on('GET', '/v1/api-keys', ok([API_KEY]));
    api.on('POST', `/v1/api-keys/${API_KEY.id}/rotate`, ok({ ...API_KEY, key: 'gpf_ab_rotated' }));
    api.on('POST', `/v1/api-keys/${API_KEY.id}/suspend`, ok({ ...API_KEY, suspended: true }));
    api.on('POST', `/v1/api-keys/${API_KEY.id}/unsuspend`, ok(API_KEY));

    const created = await cli('keys', 'create', 'ci', '--role', 'user', '--expires-at', '2030-01-01');
    expect(created.code).toBe(0);
    expect(api.sent('POST', '/v1/api-keys')[0]!.body).toEqual({
      name: 'ci',
      role: 'user',
      expiresAt: '2030-01-01T00:00:00.000Z',
    });
    expect(created.stdout).toContain('gpf_ab_secret');

    const rotated = await cli('keys', 'rotate', 'ci');
    expect(rotated.stdout).toContain('gpf_ab_rotated');

    const suspended = await cli('keys', 'suspend', 'ci');
    expect(suspended.code).toBe(0);
    expect(api.sent('POST', `/v1/api-keys/${API_KEY.id}/suspend`)).toHaveLength(1);
    expect(suspended.stdout.trim()).toBe('ci is suspended.');
    const resumed = await cli('keys', 'suspend', API_KEY.id, '--resume');
    expect(resumed.stdout.trim()).toBe('ci is active.');
    expect(api.sent('POST', `/v1/api-keys/${API_KEY.id}/unsuspend`)).toHaveLength(1);

    const badRole = await cli('keys', 'create', 'x', '--role', 'root');
    expect(badRole.code).toBe(2);
  });
});
