import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProviderContract } from '../../../test/contract/provider-contract.ts';
import type { RunningSimulator } from '../../core/provider/provider.ts';
import { runpod } from './index.ts';

runProviderContract(runpod, { transitionMs: 60 });

/** Every Pod field seed 002 lists, with the fragments it names spelled out as the seed's types list them. */
const SEED_POD_FIELDS = /* GraphQL */ `
  lowestBidPriceToResume apiKey consumerUserId containerDiskInGb containerRegistryAuthId costMultiplier costPerHr
  desiredStatus dockerArgs dockerId env gpuCount gpuPowerLimitPercent gpus { id podId } id imageName
  lastStatusChange locked machineId memoryInGb name podType port ports
  registry { auth pass url user username } templateId uptimeSeconds vcpuCount version volumeEncrypted volumeInGb
  volumeKey volumeMountPath
  runtime { container { cpuPercent memoryPercent } gpus { id gpuUtilPercent memoryUtilPercent }
    ports { ip isIpPublic privatePort publicPort type } uptimeInSeconds }
  machine { costPerHr currentPricePerGpu diskMBps gpuAvailable gpuDisplayName location maintenanceEnd maintenanceNote
    maintenanceStart maxDownloadSpeedMbps maxUploadSpeedMbps note podHostId secureCloud supportPublicIp }
  latestTelemetry { state time cpuUtilization memoryUtilization lastStateTransitionTimestamp
    averageGpuMetrics { id percentUtilization temperatureCelcius memoryUtilization powerWatts }
    individualGpuMetrics { id percentUtilization temperatureCelcius memoryUtilization powerWatts } }
`;

type Answer = {
  status: number;
  body: { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] };
};

describe('runpod simulator speaks seed 002', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await runpod.simulator.start({ transitionMs: 60, seed: 42 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const graphql = async (query: string, variables: Record<string, unknown> = {}): Promise<Answer> => {
    const res = await fetch(sim.baseUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sim.account.credentials.apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };

  const deploy = (input: Record<string, unknown>) =>
    graphql(
      `mutation deploy($input: PodFindAndDeployOnDemandInput) { podFindAndDeployOnDemand(input: $input) { ${SEED_POD_FIELDS} } }`,
      {
        input,
      },
    );

  const waitForRuntime = async (podId: string): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const { body } = await graphql(`query pod($input: PodFilter) { pod(input: $input) { ${SEED_POD_FIELDS} } }`, {
        input: { podId },
      });
      const pod = body.data?.pod as Record<string, unknown> | null;
      if (pod?.runtime) return pod;
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`pod ${podId} never got a runtime`);
  };

  const base = {
    gpuTypeId: 'NVIDIA H100 80GB HBM3',
    cloudType: 'SECURE',
    gpuCount: 1,
    name: 'seed',
    imageName: 'runpod/base:1.0.2-ubuntu2404',
  };

  it("answers the seed's pod query, every field selected, without a validation error", async () => {
    const created = await deploy(base);
    expect(created.status).toBe(200);
    expect(created.body.errors).toBeUndefined();
    const podId = String((created.body.data?.podFindAndDeployOnDemand as { id?: string } | undefined)?.id);

    const fresh = await graphql(`query pod($input: PodFilter) { pod(input: $input) { ${SEED_POD_FIELDS} } }`, {
      input: { podId },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.errors).toBeUndefined();
    const before = fresh.body.data?.pod as Record<string, unknown>;
    // Placed but not started: no container, no telemetry, the GPUs already held.
    expect(before).toMatchObject({ dockerId: null, runtime: null, latestTelemetry: null, templateId: null, registry: null });
    expect(before.gpus).toEqual([{ id: expect.any(String), podId }]);

    const running = await waitForRuntime(podId);
    expect(running.dockerId).toMatch(/^[0-9a-f]{64}$/);
    expect(running.latestTelemetry).toMatchObject({
      state: 'running',
      individualGpuMetrics: [expect.objectContaining({ percentUtilization: 0 })],
    });
    expect(running.machine).toMatchObject({ secureCloud: true, maintenanceStart: null, gpuAvailable: expect.any(Number) });

    const stopped = await graphql(`mutation { podStop(input: { podId: "${podId}", incrementVersion: true }) { version } }`);
    expect(stopped.body.data?.podStop).toEqual({ version: 1 });
    // The container takes a moment to stop; then the GPUs are given back.
    await expect
      .poll(async () => (await graphql(`{ pod(input: { podId: "${podId}" }) { gpus { id } } }`)).body.data?.pod)
      .toEqual({ gpus: [] });
    await graphql(`mutation { podTerminate(input: { podId: "${podId}" }) }`);
  });

  it("types desiredStatus as the seed's PodStatus enum, and still sends a value the enum does not list", async () => {
    const { body } = await graphql(
      '{ __type(name: "PodStatus") { enumValues { name } } pod: __type(name: "Pod") { fields { name type { ofType { name } } } } }',
    );
    const data = body.data as {
      __type: { enumValues: { name: string }[] };
      pod: { fields: { name: string; type: { ofType: { name: string } | null } }[] };
    };
    expect(data.__type.enumValues.map((v) => v.name)).toEqual([
      'CREATED',
      'RUNNING',
      'RESTARTING',
      'EXITED',
      'PAUSED',
      'DEAD',
      'TERMINATED',
    ]);
    expect(data.pod.fields.find((f) => f.name === 'desiredStatus')?.type.ofType?.name).toBe('PodStatus');

    const created = await deploy(base);
    const podId = String((created.body.data?.podFindAndDeployOnDemand as { id?: string } | undefined)?.id);
    sim.control.setRawStatus(podId, 'HIBERNATING');
    const seen = await graphql(`{ pod(input: { podId: "${podId}" }) { desiredStatus } }`);
    expect(seen.body).toEqual({ data: { pod: { desiredStatus: 'HIBERNATING' } } });
    sim.control.setRawStatus(podId, null);
    await graphql(`mutation { podTerminate(input: { podId: "${podId}" }) }`);
  });

  it("answers the seed's cpuTypes query with a catalog", async () => {
    const { status, body } = await graphql('query cpuTypes { cpuTypes { id displayName manufacturer cores threadsPerCore } }');
    expect(status).toBe(200);
    const cpuTypes = body.data?.cpuTypes as { manufacturer: string; cores: number; threadsPerCore: number }[];
    expect(cpuTypes.length).toBeGreaterThan(0);
    for (const cpu of cpuTypes) {
      expect(['AMD', 'Intel']).toContain(cpu.manufacturer);
      expect(cpu.cores).toBeGreaterThan(0);
      expect(cpu.threadsPerCore).toBeGreaterThan(0);
    }
  });

  it('echoes the create inputs on the pod and lists its HTTP ports once it runs', async () => {
    const created = await deploy({
      ...base,
      ports: '8888/http,22/tcp',
      env: [{ key: 'GREETING', value: 'hello' }],
      dockerArgs: 'sleep infinity',
      containerDiskInGb: 30,
      volumeInGb: 40,
      volumeMountPath: '/data',
    });
    expect(created.body.errors).toBeUndefined();
    const pod = created.body.data?.podFindAndDeployOnDemand as Record<string, unknown>;
    expect(pod).toMatchObject({
      ports: '8888/http,22/tcp',
      env: ['GREETING=hello'],
      dockerArgs: 'sleep infinity',
      templateId: null,
      containerDiskInGb: 30,
      volumeInGb: 40,
      volumeMountPath: '/data',
    });
    const withoutVolume = await graphql(`{ pod(input: { podId: "${pod.id}" }) { networkVolumeId networkVolume { id } } }`);
    expect(withoutVolume.body.data?.pod).toEqual({ networkVolumeId: null, networkVolume: null });

    const running = await waitForRuntime(String(pod.id));
    const ports = (running.runtime as { ports: Record<string, unknown>[] }).ports;
    expect(ports).toContainEqual({
      ip: expect.stringMatching(/^100\.65\./),
      isIpPublic: false,
      privatePort: 8888,
      publicPort: 8888,
      type: 'http',
    });
    expect(ports).toContainEqual(expect.objectContaining({ isIpPublic: true, privatePort: 22, type: 'tcp' }));
    await graphql(`mutation { podTerminate(input: { podId: "${pod.id}" }) }`);
  });

  it('stops and then terminates a pod at the stopAfter and terminateAfter it was created with', async () => {
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const created = await deploy({ ...base, stopAfter: at(500), terminateAfter: at(1_000) });
    expect(created.body.errors).toBeUndefined();
    const podId = String((created.body.data?.podFindAndDeployOnDemand as { id?: string } | undefined)?.id);
    const status = async () => {
      const { body } = await graphql(`{ pod(input: { podId: "${podId}" }) { desiredStatus } }`);
      return (body.data?.pod as { desiredStatus: string } | null)?.desiredStatus ?? 'gone';
    };
    await expect.poll(status, { timeout: 3_000, interval: 20 }).toBe('EXITED');
    await expect.poll(status, { timeout: 3_000, interval: 20 }).toBe('gone');

    const bad = await deploy({ ...base, stopAfter: 'next tuesday' });
    expect(bad.body.errors?.[0]?.message).toMatch(/stopAfter must be a date-time/);
  });

  it('refuses a port out of range as a validation error', async () => {
    const { status, body } = await graphql('mutation { podFindAndDeployOnDemand(input: { port: 70000 }) { id } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
