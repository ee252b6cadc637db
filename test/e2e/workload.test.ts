import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningVerdaSimulator } from '../../src/providers/verda/simulator/server.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { newSshKey, waitForJob, waitForStatus } from './helpers.ts';

const SCRIPT = "#!/bin/bash\necho 'preparing the dataset'\npip install -r requirements.txt\n";

describe.each(STORE_KINDS)('what runs on the VM, end to end on %s', (store) => {
  let t: TestApp;
  let sshKeyId: string;
  beforeAll(async () => {
    t = await startTestApp({ store, web: false });
    sshKeyId = await newSshKey(t);
  });
  afterAll(async () => t?.close());

  const cloud = (provider: string) => {
    const found = t.app.sandbox?.clouds.find((c) => c.definition.id === provider);
    if (!found) throw new Error(`no ${provider} simulator`);
    return found.simulator;
  };

  /** The cheapest available on-demand 1-GPU offer of each provider, as a client finds it. */
  async function offerOf(provider: string): Promise<{ seriesId: string; datacenterId: string }> {
    const res = await t.call('GET', '/v1/offers?gpuCount=1&availableOnly=true&spot=exclude');
    const offer = res.body.data.offers.find((o: { provider: string }) => o.provider === provider);
    expect(offer, `an available ${provider} offer`).toBeTruthy();
    return { seriesId: offer.series.id, datacenterId: offer.datacenter.id };
  }

  it('keeps a library of startup scripts with GPCN-style answers and errors', async () => {
    const created = await t.call('POST', '/v1/resource/startup-scripts', { name: 'prepare', script: SCRIPT });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ name: 'prepare', script: SCRIPT, sizeBytes: Buffer.byteLength(SCRIPT) });
    const id = created.body.data.id as string;

    const taken = await t.call('POST', '/v1/resource/startup-scripts', { name: 'PREPARE', script: 'echo' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe('NAME_TAKEN');
    const empty = await t.call('POST', '/v1/resource/startup-scripts', { name: 'blank', script: '   ' });
    expect(empty.status).toBe(400);

    const renamed = await t.call('PUT', `/v1/resource/startup-scripts/${id}`, { name: 'prepare-data' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.name).toBe('prepare-data');
    const list = await t.call('GET', '/v1/resource/startup-scripts?search=prepare');
    expect(list.status).toBe(200);
    expect(list.body.data.map((s: { id: string }) => s.id)).toContain(id);

    const removed = await t.call('DELETE', `/v1/resource/startup-scripts/${id}`);
    expect(removed.status).toBe(200);
    expect((await t.call('GET', `/v1/resource/startup-scripts/${id}`)).status).toBe(404);
  });

  it('refuses bad workload input with a 4xx naming the field, and records nothing', async () => {
    const { seriesId, datacenterId } = await offerOf('verda');
    const base = { name: 'bad', seriesId, datacenterId, gpuCount: 1, sshKeyId };
    const before = (await t.call('GET', '/v1/resource/gpu?limit=100')).body.data.length;
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ startupScript: 'echo a', startupScriptId: '00000000-0000-4000-8000-00000000dead' }, 400, 'VALIDATION_ERROR', /not both/],
      [{ startupScriptId: '00000000-0000-4000-8000-00000000dead' }, 404, 'NOT_FOUND', /Startup script/],
      [{ env: { GPUFLEET_ID: 'x' } }, 400, 'ENV_NAME_RESERVED', /env: GPUFLEET_ID/],
      [{ env: { A: 'x' }, secretEnv: { A: 'y' } }, 400, 'VALIDATION_ERROR', /env: A given both/],
      [
        { env: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`V${i}`, 'x'.repeat(600)])) },
        400,
        'ENV_TOO_LARGE',
        /env:/,
      ],
      [{ ports: ['8888/http', '8888/tcp'] }, 400, 'VALIDATION_ERROR', /ports: port 8888 is listed twice/],
      [{ ports: ['70000/tcp'] }, 400, 'VALIDATION_ERROR', /ports/],
      [{ ports: ['8888/udp'] }, 400, 'VALIDATION_ERROR', /ports/],
    ];
    for (const [extra, status, code, message] of cases) {
      const res = await t.call('POST', '/v1/resource/gpu', { ...base, ...extra });
      expect(res.status, JSON.stringify(extra).slice(0, 80)).toBe(status);
      expect(res.body.error).toBe(code);
      expect(res.body.message).toMatch(message);
    }
    // RunPod takes 16 KiB of script, Verda 64 KiB: a 20 KiB script only goes to Verda, and is refused on RunPod.
    const big = `#!/bin/bash\n${'# filler line for a long setup script\n'.repeat(540)}`;
    const onRunpod = await offerOf('runpod');
    const tooBig = await t.call('POST', '/v1/resource/gpu', { ...base, ...onRunpod, startupScript: big });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toBe('STARTUP_SCRIPT_TOO_LARGE');
    expect(tooBig.body.message).toMatch(/startupScript: .*runpod takes 16384 bytes/);
    const preview = await t.call('POST', '/v1/resource/gpu', {
      ...base,
      datacenterId: undefined,
      constraints: {},
      startupScript: big,
      dryRun: true,
    });
    expect(preview.status).toBe(200);
    // The dry run is checked as the order is: only Verda takes a script this long.
    expect(preview.body.data.offers.length).toBeGreaterThan(0);
    expect(new Set(preview.body.data.offers.map((o: { provider: string }) => o.provider))).toEqual(new Set(['verda']));
    expect((await t.call('GET', '/v1/resource/gpu?limit=100')).body.data.length).toBe(before);
  });

  it('creates the ordered login user on a VM, and refuses one on a pod that logs in as root', async () => {
    const onRunpod = await offerOf('runpod');
    const refused = await t.call('POST', '/v1/resource/gpu', {
      name: 'alice-pod',
      ...onRunpod,
      gpuCount: 1,
      sshKeyId,
      username: 'alice',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('USERNAME_UNSUPPORTED');
    expect(refused.body.message).toMatch(/^username: runpod runs containers that log in as root/);

    for (const provider of ['verda', 'fluidstack']) {
      const order = await t.call('POST', '/v1/resource/gpu', {
        name: `alice-${provider}`,
        ...(await offerOf(provider)),
        gpuCount: 1,
        sshKeyId,
        username: 'alice',
      });
      expect(order.status).toBe(202);
      const running = await waitForStatus(t, order.body.data.resourceId, 'Running', 60_000);
      expect(running.username).toBe('alice');
      expect(cloud(provider).control.bootWorkload(running.providerInstanceId)?.user).toBe('alice');
      await t.call('DELETE', `/v1/resource/gpu/${running.id}`);
      await waitForStatus(t, running.id, 'Destroyed', 60_000);
    }
    // Without a username the image keeps its own user and nothing is created.
    const plain = await t.call('POST', '/v1/resource/gpu', { name: 'plain', ...(await offerOf('verda')), gpuCount: 1, sshKeyId });
    const vm = await waitForStatus(t, plain.body.data.resourceId, 'Running', 60_000);
    expect(vm.username).toBe('root');
    expect(cloud('verda').control.bootWorkload(vm.providerInstanceId)).toEqual({ script: null, env: {} });
    await t.call('DELETE', `/v1/resource/gpu/${vm.id}`);
    await waitForStatus(t, vm.id, 'Destroyed', 60_000);
  });

  it('runs a container image on a RunPod pod and refuses one on a VM, naming the field', async () => {
    const onVerda = await offerOf('verda');
    const base = { gpuCount: 1, sshKeyId, containerImage: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime' };
    const refused = await t.call('POST', '/v1/resource/gpu', { name: 'container-on-vm', ...onVerda, ...base });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('CONTAINER_IMAGE_ON_VM');
    expect(refused.body.message).toMatch(/^containerImage: verda runs full VMs/);
    const both = await t.call('POST', '/v1/resource/gpu', { name: 'both', ...onVerda, ...base, imageName: 'ubuntu-24.04' });
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/^containerImage: .*not both/);

    // Across clouds, a container image only considers container offers.
    const { seriesId } = await offerOf('runpod');
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'torch-pod', seriesId, constraints: {}, ...base });
    expect(order.status).toBe(202);
    const running = await waitForStatus(t, order.body.data.resourceId, 'Running', 60_000);
    expect(running).toMatchObject({ provider: 'runpod', machineKind: 'container', image: base.containerImage });
    await t.call('DELETE', `/v1/resource/gpu/${running.id}`);
    await waitForStatus(t, running.id, 'Destroyed', 60_000);
  });

  it.each(['verda', 'fluidstack', 'runpod'])(
    'delivers a library script, env, a secret and a port to a %s machine, and cleans up after it',
    async (provider) => {
      const script = await t.call('POST', '/v1/resource/startup-scripts', { name: `setup-${provider}`, script: SCRIPT });
      const { seriesId, datacenterId } = await offerOf(provider);
      const order = await t.call('POST', '/v1/resource/gpu', {
        name: `work-${provider}`,
        seriesId,
        datacenterId,
        gpuCount: 1,
        sshKeyId,
        startupScriptId: script.body.data.id,
        env: { MODEL: 'llama-3', QUOTE: 'it\'s "quoted" $HOME' },
        secretEnv: { HF_TOKEN: 'hf_secret_value' },
        ports: ['6006/http', '7000/tcp'],
      });
      expect(order.status).toBe(202);
      const vmId = order.body.data.resourceId as string;
      expect(JSON.stringify(order.body)).not.toContain('hf_secret_value');
      expect(order.body.data.vm).toMatchObject({
        startupScript: { id: script.body.data.id, name: `setup-${provider}`, sizeBytes: Buffer.byteLength(SCRIPT) },
        env: { MODEL: 'llama-3' },
        secretEnvNames: ['HF_TOKEN'],
        ports: [
          { port: 6006, protocol: 'http' },
          { port: 7000, protocol: 'tcp' },
        ],
      });
      // The library script may change or go: the VM keeps what it was ordered with.
      await t.call('DELETE', `/v1/resource/startup-scripts/${script.body.data.id}`);

      const job = await waitForJob(t, order.body.data.jobId, 60_000);
      expect(job.hasFailed, JSON.stringify(job.attempts)).toBe(false);
      const running = await waitForStatus(t, vmId, 'Running', 60_000);
      expect(running.provider).toBe(provider);
      expect(JSON.stringify(running)).not.toContain('hf_secret_value');

      // What the simulated machine got, decoded from what the adapter sent the provider's own way.
      const booted = cloud(provider).control.bootWorkload(running.providerInstanceId);
      expect(booted?.script).toBe(SCRIPT);
      expect(booted?.env).toMatchObject({ MODEL: 'llama-3', QUOTE: 'it\'s "quoted" $HOME', HF_TOKEN: 'hf_secret_value' });

      const history = (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body.data;
      const handedOver = history.find((e: { kind: string }) => e.kind === 'workload');
      expect(handedOver?.message).toMatch(
        new RegExp(`startup script "setup-${provider}" \\(${Buffer.byteLength(SCRIPT)} bytes\\) handed over as`),
      );
      expect(handedOver?.message).toMatch(/3 environment variable/);

      const withEndpoints = await eventually(async () => {
        const vm = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
        const http = vm.endpoints.find((e: { port: number }) => e.port === 6006);
        const tcp = vm.endpoints.find((e: { port: number }) => e.port === 7000);
        return http?.url && tcp?.host && tcp?.publicPort ? { vm, http, tcp } : undefined;
      }, 'the endpoints of the exposed ports');
      if (provider === 'runpod') {
        expect(withEndpoints.http.url).toBe(`https://${running.providerInstanceId}-6006.proxy.runpod.net`);
      } else {
        expect(withEndpoints.http.url).toBe(`http://${withEndpoints.vm.ip}:6006`);
        expect(withEndpoints.tcp).toMatchObject({ host: withEndpoints.vm.ip, publicPort: 7000 });
      }

      expect((await t.call('DELETE', `/v1/resource/gpu/${vmId}`)).status).toBe(202);
      const destroyed = await waitForStatus(t, vmId, 'Destroyed', 60_000);
      expect(destroyed.endpoints).toEqual([]);
      expect(cloud(provider).control.liveInstanceIds()).not.toContain(running.providerInstanceId);
      if (provider === 'verda') {
        // The VM's own Verda startup script is freed from the project's quota once the VM is gone.
        const scripts = (cloud('verda') as RunningVerdaSimulator).verda.scripts();
        expect(scripts.filter((s) => s.name === `gpufleet-${vmId}`)).toEqual([]);
      }
    },
  );
});
