import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, fail, ok, pageMeta, runCli } from './support/fake-api.ts';
import { H100, job, sshKey, vm } from './support/fixtures.ts';

const PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const LAPTOP = sshKey({ isDefault: true });
const SPARE = sshKey({ id: 'cccccccc-0000-4000-8000-000000000002', name: 'spare' });
const KEYED = vm({ name: 'trainer', status: 'Provisioning', ip: null, hasStoredCredentials: true });

describe('gpufleet gpu order --generate-ssh-key and gpu ssh-key', () => {
  let api: FakeApi;
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { url: api.url, cwd: dir });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-keys-'));
    api = await new FakeApi().start();
    api
      .on('GET', '/v1/resource/gpu/series', ok([H100]))
      .on('GET', '/v1/resource/ssh-keys', ok([SPARE, LAPTOP], pageMeta(2)))
      .on('POST', '/v1/resource/gpu', ok({ ...job(), vm: KEYED }, null, 202))
      .on('GET', `/v1/resource/gpu/${KEYED.id}/ssh-key`, ok({ privateKey: PRIVATE_KEY }))
      .on('GET', '/v1/resource/gpu', ok([KEYED], pageMeta(1)));
  });
  afterEach(() => api.close());

  it('orders with the default key plus a generated pair and writes the private key to ./<name>.key, mode 600', async () => {
    const run = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series', '--generate-ssh-key');

    expect(run.code, run.stderr).toBe(0);
    const [order] = api.sent('POST', '/v1/resource/gpu');
    expect(order!.body).toEqual({
      name: 'trainer',
      seriesId: H100.id,
      gpuCount: 1,
      sshKeyId: LAPTOP.id,
      generateSshKey: true,
      constraints: {},
    });
    const file = join(dir, 'trainer.key');
    expect(readFileSync(file, 'utf8')).toBe(PRIVATE_KEY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(run.stdout).toContain(`Ordered trainer (${KEYED.id}), job ${job().jobId}`);
    expect(run.stdout).toContain('private key written to ./trainer.key');

    // A second run never overwrites the key: it stops before ordering anything.
    const again = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series', '--generate-ssh-key');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('cannot create ./trainer.key for the private key (it already exists) (FILE_UNWRITABLE)');
    expect(api.sent('POST', '/v1/resource/gpu')).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(PRIVATE_KEY);
  });

  it('orders with the generated pair alone when there is no default key, to --key-out, and says so in --json', async () => {
    api.on('GET', '/v1/resource/ssh-keys', ok([SPARE], pageMeta(1)));
    const out = join(dir, 'keys-trainer');

    const run = await cli(
      'gpu',
      'order',
      '--name',
      'trainer',
      '--series',
      'h100_series',
      '--generate-ssh-key',
      '--key-out',
      out,
      '--json',
    );

    expect(run.code, run.stderr).toBe(0);
    const [order] = api.sent('POST', '/v1/resource/gpu');
    expect(order!.body).not.toHaveProperty('sshKeyId');
    expect(order!.body).toMatchObject({ generateSshKey: true });
    expect(JSON.parse(run.stdout)).toMatchObject({ jobId: job().jobId, vm: { id: KEYED.id }, privateKeyFile: out });
    expect(readFileSync(out, 'utf8')).toBe(PRIVATE_KEY);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('records the --key-out file in the config, so gpu ssh logs in with it', async () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'xdg') };
    const out = join(dir, 'trainer-key');
    const run = await runCli(
      ['gpu', 'order', '--name', 'trainer', '--series', 'h100_series', '--generate-ssh-key', '--key-out', out],
      { url: api.url, cwd: dir, env },
    );
    expect(run.code, run.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'xdg', 'gpufleet', 'config.json'), 'utf8'));
    expect(config.keyFiles).toEqual({ [KEYED.id]: out });

    api.on('GET', `/v1/resource/gpu/${KEYED.id}`, ok({ ...KEYED, status: 'Running', ip: '203.0.113.7' }));
    const ssh = await runCli(['gpu', 'ssh', 'trainer', '--print'], { url: api.url, cwd: dir, env });
    expect(ssh.stdout).toBe(`ssh -i ${out} -p 22 ubuntu@203.0.113.7\n`);
  });

  it('leaves no key file behind when the order is refused, and wants --generate-ssh-key for --key-out', async () => {
    api.on('POST', '/v1/resource/gpu', fail(400, 'TEMPLATE_ON_VM', 'templateId: verda runs full VMs'));
    const refused = await cli(
      'gpu',
      'order',
      '--name',
      'trainer',
      '--series',
      'h100_series',
      '--generate-ssh-key',
      '--template',
      'tpl-1',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: templateId: verda runs full VMs (TEMPLATE_ON_VM)\n');
    expect(api.sent('POST', '/v1/resource/gpu')[0]!.body).toMatchObject({ templateId: 'tpl-1', generateSshKey: true });
    expect(existsSync(join(dir, 'trainer.key'))).toBe(false);
    expect(api.sent('GET', `/v1/resource/gpu/${KEYED.id}/ssh-key`)).toHaveLength(0);

    const usage = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series', '--key-out', 'x.key');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--key-out only goes with --generate-ssh-key');
  });

  it('sends --template and --container-image as the order fields; a dry run writes no key', async () => {
    api.on('POST', '/v1/resource/gpu', ok({ offers: [], ageSeconds: 1 }));
    const run = await cli(
      'gpu',
      'order',
      '--name',
      'pod',
      '--series',
      'h100_series',
      '--template',
      'runpod-torch-v240',
      '--container-image',
      'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
      '--generate-ssh-key',
      '--dry-run',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(api.sent('POST', '/v1/resource/gpu')[0]!.body).toEqual({
      name: 'pod',
      seriesId: H100.id,
      gpuCount: 1,
      sshKeyId: LAPTOP.id,
      containerImage: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
      templateId: 'runpod-torch-v240',
      generateSshKey: true,
      constraints: {},
      dryRun: true,
    });
    expect(existsSync(join(dir, 'pod.key'))).toBe(false);
  });

  it('gpu ssh-key fetches the stored key later: printed, or to --out with mode 600 and never over a file', async () => {
    const printed = await cli('gpu', 'ssh-key', 'trainer');
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(PRIVATE_KEY);
    expect(printed.stderr).toContain("This is the VM's private key: keep it safe");

    const out = join(dir, 'later.key');
    const saved = await cli('gpu', 'ssh-key', KEYED.id, '--out', out);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout.trim()).toBe(`Private key written to ${out}`);
    expect(readFileSync(out, 'utf8')).toBe(PRIVATE_KEY);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    writeFileSync(join(dir, 'taken.key'), 'keep me');
    const taken = await cli('gpu', 'ssh-key', KEYED.id, '--out', join(dir, 'taken.key'));
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('it already exists');
    expect(readFileSync(join(dir, 'taken.key'), 'utf8')).toBe('keep me');
  });

  it('gpu ssh-key reports a VM without stored credentials with the API code, leaving no file', async () => {
    api.on(
      'GET',
      `/v1/resource/gpu/${KEYED.id}/ssh-key`,
      fail(404, 'NO_STORED_CREDENTIALS', `GPU VM ${KEYED.id} has no stored credentials`),
    );
    const out = join(dir, 'none.key');
    const run = await cli('gpu', 'ssh-key', KEYED.id, '--out', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: GPU VM ${KEYED.id} has no stored credentials (NO_STORED_CREDENTIALS)\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('gpu get shows that a key is stored and the template', async () => {
    api.on('GET', `/v1/resource/gpu/${KEYED.id}`, ok({ ...KEYED, templateId: 'runpod-torch-v240' }));
    const run = await cli('gpu', 'get', KEYED.id);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Stored key:\s+yes: a key pair generated for this VM \(gpufleet gpu ssh-key trainer\)/);
    expect(run.stdout).toMatch(/Template:\s+runpod-torch-v240/);

    api.on('GET', `/v1/resource/gpu/${KEYED.id}`, ok(vm()));
    const plain = await cli('gpu', 'get', KEYED.id);
    expect(plain.stdout).toMatch(/Stored key:\s+-/);
    expect(plain.stdout).not.toContain('Template');
  });
});
