import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRequestFor } from '../../../test/support/instances.ts';
import { ProviderError } from '../../core/provider/errors.ts';
import type {
  InstanceRef,
  Provider,
  ProviderInstance,
  ProviderOffer,
  ProviderVolume,
  RunningSimulator,
  VolumeRef,
} from '../../core/provider/provider.ts';
import { runpod } from './index.ts';
import { readVolumeName, taggedVolumeName, volumePricePerGBMonth } from './volumes.ts';

const KEY = { name: 'k', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRunpodVolumeKey vol@runpod', fingerprint: 'SHA256:v' };

type Answer = {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: string[]; extensions?: { code?: string } }[];
  };
};

const graphqlOn = async (sim: RunningSimulator, query: string, variables: Record<string, unknown> = {}): Promise<Answer> => {
  const res = await fetch(sim.baseUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sim.account.credentials.apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
};

const dataOf = <T>(answer: Answer, field: string): T => {
  const value = answer.body.data?.[field];
  if (value === undefined || value === null) throw new Error(`no ${field} in ${JSON.stringify(answer.body)}`);
  return value as T;
};

/** The shapes the SDKs and tools send: runpod-python and dstack list, dstack creates, Pulumi updates, dstack deletes. */
const LIST = /* GraphQL */ `query myself { myself { networkVolumes { id name size dataCenterId dataCenter { id name location storageSupport } } } }`;
const CREATE = /* GraphQL */ `mutation createNetworkVolume($input: CreateNetworkVolumeInput!) {
  createNetworkVolume(input: $input) { id name size dataCenterId }
}`;
const UPDATE = /* GraphQL */ `mutation updateNetworkVolume($id: String!, $name: String, $size: Int) {
  updateNetworkVolume(input: { id: $id, name: $name, size: $size }) { id name size dataCenterId dataCenter { id name location storageSupport } }
}`;
const DELETE = /* GraphQL */ `mutation deleteNetworkVolume($input: DeleteNetworkVolumeInput!) { deleteNetworkVolume(input: $input) }`;
const DEPLOY = /* GraphQL */ `mutation deploy($input: PodFindAndDeployOnDemandInput) {
  podFindAndDeployOnDemand(input: $input) {
    id imageName ports env dockerArgs templateId containerDiskInGb volumeInGb volumeMountPath networkVolumeId
    networkVolume { id name size dataCenterId }
    machine { dataCenterId secureCloud }
  }
}`;
const RENT = /* GraphQL */ `mutation rent($input: PodRentInterruptableInput!) {
  podRentInterruptable(input: $input) { id podType networkVolumeId machine { dataCenterId } }
}`;

const H100 = 'NVIDIA H100 80GB HBM3';
const pod = (extra: Record<string, unknown>) => ({
  gpuTypeId: H100,
  cloudType: 'SECURE',
  gpuCount: 1,
  name: 'nv',
  imageName: 'runpod/base:1.0.2-ubuntu2404',
  ...extra,
});

describe('runpod simulator network volumes and templates over GraphQL', () => {
  let sim: RunningSimulator;
  const graphql = (query: string, variables: Record<string, unknown> = {}) => graphqlOn(sim, query, variables);
  const createVolume = async (input: Record<string, unknown>) => {
    const { body } = await graphql(CREATE, { input });
    expect(body.errors).toBeUndefined();
    return body.data?.createNetworkVolume as { id: string; name: string; size: number; dataCenterId: string };
  };
  const firstError = (answer: Answer) => answer.body.errors?.[0];

  beforeAll(async () => {
    sim = await runpod.simulator.start({ transitionMs: 40, seed: 11 });
  });
  afterAll(async () => {
    await sim?.close();
  });
  afterEach(() => sim.control.reset());

  it('creates, lists, renames, grows and deletes a network volume in the shapes the SDKs use', async () => {
    const created = await createVolume({ name: 'models', size: 50, dataCenterId: 'EU-RO-1' });
    expect(created).toEqual({ id: expect.stringMatching(/^[a-z0-9]{10}$/), name: 'models', size: 50, dataCenterId: 'EU-RO-1' });
    expect(sim.control.liveVolumeIds?.()).toContain(created.id);

    const listed = await graphql(LIST);
    expect(listed.status).toBe(200);
    const volumes = dataOf<{ networkVolumes: Record<string, unknown>[] }>(listed, 'myself').networkVolumes;
    expect(volumes).toContainEqual({
      ...created,
      dataCenter: { id: 'EU-RO-1', name: 'EU-RO-1', location: 'Romania', storageSupport: true },
    });

    const renamed = await graphql(UPDATE, { id: created.id, name: 'models-v2' });
    expect(renamed.body.data?.updateNetworkVolume).toMatchObject({ name: 'models-v2', size: 50 });
    const grown = await graphql(UPDATE, { id: created.id, size: 80 });
    expect(grown.body.data?.updateNetworkVolume).toMatchObject({ name: 'models-v2', size: 80, dataCenterId: 'EU-RO-1' });
    // The same size again is no change, not a shrink.
    expect(firstError(await graphql(UPDATE, { id: created.id, size: 80 }))).toBeUndefined();

    const deleted = await graphql(DELETE, { input: { id: created.id } });
    expect(deleted.body).toEqual({ data: { deleteNetworkVolume: true } });
    expect(sim.control.liveVolumeIds?.()).not.toContain(created.id);
    expect(firstError(await graphql(DELETE, { input: { id: created.id } }))?.message).toBe('Network volume not found.');
  });

  it('refuses what RunPod refuses: an unknown data center, a size out of bounds, a shrink, an unknown volume', async () => {
    // RunPod's answer for a data center it does not know, e.g. a Community Cloud country code (dstack#2993).
    for (const dataCenterId of ['XX-NOPE-1', 'CZ']) {
      const answer = await graphql(CREATE, { input: { name: 'x', size: 50, dataCenterId } });
      expect(answer.status).toBe(200);
      expect(firstError(answer)).toMatchObject({
        message: 'Failed to find data center, please try again.',
        path: ['createNetworkVolume'],
      });
    }
    for (const size of [5, 4001]) {
      const answer = await graphql(CREATE, { input: { name: 'x', size, dataCenterId: 'EU-RO-1' } });
      expect(firstError(answer)?.message).toBe('Network volume size must be between 10 and 4000 GB.');
    }
    expect(firstError(await graphql(CREATE, { input: { name: ' ', size: 20, dataCenterId: 'EU-RO-1' } }))?.message).toMatch(
      /name is required/,
    );
    // `dataCenterId` is required by the input type itself: a validation error, HTTP 400.
    expect((await graphql(CREATE, { input: { name: 'x', size: 20 } })).status).toBe(400);

    const volume = await createVolume({ name: 'shrink', size: 100, dataCenterId: 'US-TX-3' });
    expect(firstError(await graphql(UPDATE, { id: volume.id, size: 60 }))?.message).toBe(
      'Network volume size can only be increased.',
    );
    expect(firstError(await graphql(UPDATE, { id: 'nope000000', name: 'y' }))?.message).toBe('Network volume not found.');
    expect((await graphql('mutation { updateNetworkVolume(input: { id: "x", type: "HIGH_PERFORMANCE" }) { id } }')).status).toBe(
      400,
    );
    await graphql(DELETE, { input: { id: volume.id } });
  });

  it("pins a pod to its volume's data center, refuses another data center, Community Cloud and unknown volumes", async () => {
    const volume = await createVolume({ name: 'pinned', size: 40, dataCenterId: 'US-TX-3' });
    const deployed = await graphql(DEPLOY, { input: pod({ networkVolumeId: volume.id, volumeInGb: 20 }) });
    expect(deployed.body.errors).toBeUndefined();
    const created = deployed.body.data?.podFindAndDeployOnDemand as Record<string, unknown>;
    expect(created).toMatchObject({
      networkVolumeId: volume.id,
      networkVolume: volume,
      // The network volume takes the place of the volume disk, at the mount path.
      volumeInGb: 0,
      volumeMountPath: '/workspace',
      machine: { dataCenterId: 'US-TX-3', secureCloud: true },
    });
    const read = await graphql(
      `{ pod(input: { podId: "${created.id}" }) { networkVolumeId networkVolume { id dataCenter { id } } } }`,
    );
    expect(read.body.data?.pod).toEqual({
      networkVolumeId: volume.id,
      networkVolume: { id: volume.id, dataCenter: { id: 'US-TX-3' } },
    });

    // Spot pods take one too; `ALL` with a volume means Secure Cloud.
    const rented = await graphql(RENT, {
      input: { ...pod({ networkVolumeId: volume.id, cloudType: 'ALL' }), bidPerGpu: 2.5 },
    });
    expect(rented.body.data?.podRentInterruptable).toMatchObject({
      podType: 'INTERRUPTABLE',
      networkVolumeId: volume.id,
      machine: { dataCenterId: 'US-TX-3' },
    });

    const elsewhere = await graphql(DEPLOY, { input: pod({ networkVolumeId: volume.id, dataCenterId: 'EU-RO-1' }) });
    expect(firstError(elsewhere)?.message).toMatch(/^There are no longer any instances available/);
    const community = await graphql(DEPLOY, {
      input: pod({ gpuTypeId: 'NVIDIA GeForce RTX 4090', cloudType: 'COMMUNITY', networkVolumeId: volume.id }),
    });
    expect(firstError(community)?.message).toBe('Something went wrong. Please try again later or contact support.');
    const unknown = await graphql(DEPLOY, { input: pod({ networkVolumeId: 'nope000000' }) });
    expect(firstError(unknown)?.message).toBe('Something went wrong. Please try again later or contact support.');

    for (const p of [created, rented.body.data?.podRentInterruptable as Record<string, unknown>]) {
      await graphql(`mutation { podTerminate(input: { podId: "${p.id}" }) }`);
    }
    await graphql(DELETE, { input: { id: volume.id } });
  });

  it('refuses to delete a volume while any pod has it, stopped ones too', async () => {
    const volume = await createVolume({ name: 'busy', size: 20, dataCenterId: 'US-TX-3' });
    const deployed = await graphql(DEPLOY, { input: pod({ networkVolumeId: volume.id }) });
    const podId = String(dataOf<{ id: string }>(deployed, 'podFindAndDeployOnDemand').id);

    const inUse = await graphql(DELETE, { input: { id: volume.id } });
    expect(inUse.status).toBe(200);
    expect(firstError(inUse)).toMatchObject({
      message: 'You must remove this network volume from all pods before deleting it.',
      path: ['deleteNetworkVolume'],
      extensions: { code: 'RUNPOD' },
    });
    await graphql(`mutation { podStop(input: { podId: "${podId}" }) { id } }`);
    expect(firstError(await graphql(DELETE, { input: { id: volume.id } }))?.message).toMatch(/remove this network volume/);

    await graphql(`mutation { podTerminate(input: { podId: "${podId}" }) }`);
    expect((await graphql(DELETE, { input: { id: volume.id } })).body.data).toEqual({ deleteNetworkVolume: true });
  });

  it("lists the account's templates, and deploys from one with the create's own fields winning", async () => {
    const listed = await graphql(
      '{ myself { podTemplates { id name imageName ports env { key value } containerDiskInGb volumeInGb volumeMountPath isServerless isRunpod startSsh startJupyter } } }',
    );
    const templates = dataOf<{ podTemplates: Record<string, unknown>[] }>(listed, 'myself').podTemplates;
    expect(templates.map((t) => t.id)).toEqual(['k3tq8v2pfa', 'c7m0fy2ux9', 'w9sl4vllm0']);
    expect(templates[0]).toMatchObject({
      imageName: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
      env: [{ key: 'HF_HOME', value: '/workspace/.cache/huggingface' }],
      isServerless: false,
      isRunpod: false,
    });

    // Nothing but the template: its image, ports, env and disks.
    const plain = await graphql(DEPLOY, {
      input: { gpuTypeId: H100, cloudType: 'SECURE', gpuCount: 1, templateId: 'c7m0fy2ux9' },
    });
    expect(plain.body.errors).toBeUndefined();
    expect(plain.body.data?.podFindAndDeployOnDemand).toMatchObject({
      templateId: 'c7m0fy2ux9',
      imageName: 'runpod/comfyui:cuda12.4',
      ports: '8188/http,22/tcp',
      env: ['COMFYUI_ARGS=--listen 0.0.0.0 --port 8188'],
      containerDiskInGb: 30,
      volumeInGb: 50,
      volumeMountPath: '/workspace',
    });

    // The create's fields override the template's; env is merged per key, the create's values winning.
    const custom = await graphql(DEPLOY, {
      input: pod({
        imageName: undefined,
        templateId: 'k3tq8v2pfa',
        ports: '8888/http,22/tcp,7860/http',
        containerDiskInGb: 80,
        env: [
          { key: 'HF_HOME', value: '/data/hf' },
          { key: 'MODEL', value: 'llama' },
        ],
      }),
    });
    expect(custom.body.data?.podFindAndDeployOnDemand).toMatchObject({
      templateId: 'k3tq8v2pfa',
      imageName: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
      ports: '8888/http,22/tcp,7860/http',
      containerDiskInGb: 80,
      volumeInGb: 60,
      env: expect.arrayContaining(['HF_HOME=/data/hf', 'MODEL=llama', expect.stringMatching(/^JUPYTER_PASSWORD=/)]),
    });

    // An official template is public: deployable, though not the account's.
    const official = await graphql(DEPLOY, { input: pod({ imageName: undefined, templateId: 'runpod-torch-v240' }) });
    expect(official.body.data?.podFindAndDeployOnDemand).toMatchObject({ templateId: 'runpod-torch-v240', volumeInGb: 20 });

    expect(firstError(await graphql(DEPLOY, { input: pod({ templateId: 'nope' }) }))?.message).toBe('Template not found.');
    expect(firstError(await graphql(DEPLOY, { input: pod({ templateId: 'w9sl4vllm0' }) }))?.message).toMatch(
      /serverless template/,
    );

    for (const answer of [plain, custom, official]) {
      const id = dataOf<{ id: string }>(answer, 'podFindAndDeployOnDemand').id;
      await graphql(`mutation { podTerminate(input: { podId: "${id}" }) }`);
    }
  });

  it('applies rate limits, server errors and malformed answers to the volume calls like to any other', async () => {
    sim.control.rateLimitNext(1, 3);
    const limited = await fetch(sim.baseUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sim.account.credentials.apiKey}` },
      body: JSON.stringify({ query: CREATE, variables: { input: { name: 'rl', size: 20, dataCenterId: 'EU-RO-1' } } }),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(sim.control.liveVolumeIds?.()).toHaveLength(0);

    sim.control.setFaults({ errorRate: 1 });
    expect((await graphql(DELETE, { input: { id: 'x' } })).status).toBe(500);
    sim.control.setFaults({ errorRate: 0 });

    const volume = await createVolume({ name: 'malformed', size: 20, dataCenterId: 'EU-RO-1' });
    sim.control.malformNext(1);
    const malformed = await graphql(LIST);
    const first = dataOf<{ networkVolumes: { id: unknown }[] }>(malformed, 'myself').networkVolumes[0];
    expect(typeof first?.id).toBe('number');

    const counts = sim.control.requestCounts();
    expect(counts['POST /graphql#createNetworkVolume']).toBeGreaterThanOrEqual(2);
    expect(counts['POST /graphql#deleteNetworkVolume']).toBeGreaterThanOrEqual(1);
    await graphql(DELETE, { input: { id: volume.id } });
  });
});

describe('runpod simulator state file with network volumes', () => {
  it('keeps volumes and the pods that use them across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runpod-sim-volumes-'));
    const stateFile = join(dir, 'runpod.json');
    try {
      const first = await runpod.simulator.start({ transitionMs: 40, seed: 5, stateFile });
      const created = await graphqlOn(first, CREATE, { input: { name: 'kept', size: 30, dataCenterId: 'US-TX-3' } });
      const volumeId = dataOf<{ id: string }>(created, 'createNetworkVolume').id;
      const deployed = await graphqlOn(first, DEPLOY, { input: pod({ networkVolumeId: volumeId }) });
      const podId = dataOf<{ id: string }>(deployed, 'podFindAndDeployOnDemand').id;
      await first.close();

      const second = await runpod.simulator.start({ transitionMs: 40, seed: 5, stateFile });
      try {
        expect(second.control.liveVolumeIds?.()).toEqual([volumeId]);
        const listed = await graphqlOn(second, LIST);
        expect(dataOf<{ networkVolumes: unknown[] }>(listed, 'myself').networkVolumes).toEqual([
          expect.objectContaining({ id: volumeId, name: 'kept', size: 30, dataCenterId: 'US-TX-3' }),
        ]);
        const inUse = await graphqlOn(second, DELETE, { input: { id: volumeId } });
        expect(inUse.body.errors?.[0]?.message).toMatch(/remove this network volume/);
        await graphqlOn(second, `mutation { podTerminate(input: { podId: "${podId}" }) }`);
        expect((await graphqlOn(second, DELETE, { input: { id: volumeId } })).body.data).toEqual({ deleteNetworkVolume: true });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runpod adapter volumes and templates', () => {
  let sim: RunningSimulator;
  let provider: Provider;
  const calls: string[] = [];
  const graphql = (query: string, variables: Record<string, unknown> = {}) => graphqlOn(sim, query, variables);

  beforeAll(async () => {
    sim = await runpod.simulator.start({ transitionMs: 40, seed: 21 });
    provider = runpod.connect(
      { accountId: randomUUID(), name: 'volumes', baseUrl: sim.baseUrl, credentials: sim.account.credentials, settings: {} },
      { logger: { info() {}, warn() {}, error() {} }, onProviderCall: (c) => calls.push(`${c.route} ${c.status}`) },
    );
  });
  afterAll(async () => {
    await provider?.close();
    await sim?.close();
  });
  afterEach(() => sim.control.reset());

  const secureOffer = async (): Promise<ProviderOffer> => {
    const found = (await provider.listOffers()).find(
      (o) => o.available && !o.spot && o.gpu.count === 1 && o.providerSkuId.startsWith('SECURE:'),
    );
    if (!found) throw new Error('no Secure Cloud offer');
    return found;
  };
  const newVolume = (locationCode: string, name = 'data', sizeGB = 50) =>
    provider.createVolume?.({ gpufleetId: randomUUID(), name, sizeGB, locationCode, type: 'network' }) as Promise<ProviderVolume>;
  const listed = async (id: string) => (await provider.listVolumes?.())?.find((v) => v.providerVolumeId === id);
  const refOf = (v: ProviderVolume): VolumeRef => ({ providerVolumeId: v.providerVolumeId, locationCode: v.locationCode });
  const instanceRef = (i: ProviderInstance): InstanceRef => ({
    providerInstanceId: i.providerInstanceId,
    providerSkuId: i.providerSkuId,
    locationCode: i.locationCode,
    gpuCount: i.gpuCount,
    spot: i.spot,
    pricePerHour: i.pricePerHour,
  });
  const rawPod = async (id: string) =>
    dataOf<Record<string, unknown>>(
      await graphql(
        `{ pod(input: { podId: "${id}" }) { templateId imageName ports env volumeInGb volumeMountPath networkVolumeId } }`,
      ),
      'pod',
    );

  it('declares one network volume per pod, attached at create only, from 10 to 4000 GB, grown and renamed in place', () => {
    expect(provider.capabilities.volumes).toEqual({
      kind: 'network volume',
      types: ['network'],
      minSizeGB: 10,
      maxSizeGB: 4000,
      resize: true,
      rename: true,
      attachToExisting: false,
      attachRequiresStopped: false,
      maxPerInstance: 1,
      mountHint: '/workspace',
    });
    expect(provider.attachVolume).toBeUndefined();
    expect(provider.detachVolume).toBeUndefined();
  });

  it('tags the volume name with the gpufleet id, reads it back, and keeps it through a rename', async () => {
    const gpufleetId = randomUUID();
    const created = await provider.createVolume?.({
      gpufleetId,
      name: 'Training data: v1/α',
      sizeGB: 50,
      locationCode: 'EU-RO-1',
      type: 'network',
    });
    expect(created).toMatchObject({ gpufleetId, name: 'Training data- v1-α', locationCode: 'EU-RO-1', status: 'Available' });
    const raw = dataOf<{ networkVolumes: { id: string; name: string }[] }>(
      await graphql('{ myself { networkVolumes { id name } } }'),
      'myself',
    ).networkVolumes.find((v) => v.id === created?.providerVolumeId);
    expect(raw?.name).toBe(`Training data- v1-α gpufleet-${gpufleetId}`);

    const ref = refOf(created as ProviderVolume);
    await provider.renameVolume?.(ref, 'checkpoints');
    expect(await listed(ref.providerVolumeId)).toMatchObject({ gpufleetId, name: 'checkpoints' });

    // A volume made elsewhere has no tag: its name is shown whole and it is not gpufleet's.
    const foreign = dataOf<{ id: string }>(
      await graphql(CREATE, { input: { name: 'made in the console', size: 20, dataCenterId: 'EU-RO-1' } }),
      'createNetworkVolume',
    );
    expect(await listed(foreign.id)).toMatchObject({ gpufleetId: null, name: 'made in the console' });
    await provider.renameVolume?.({ providerVolumeId: foreign.id, locationCode: 'EU-RO-1' }, 'still foreign');
    expect(await listed(foreign.id)).toMatchObject({ gpufleetId: null, name: 'still foreign' });

    expect(readVolumeName('gpufleet-abc')).toEqual({ name: '', gpufleetId: 'abc' });
    expect(readVolumeName('my gpufleet-volume gpufleet-abc')).toEqual({ name: 'my gpufleet-volume', gpufleetId: 'abc' });
    expect(taggedVolumeName('abc', '   ')).toBe('gpufleet-abc');
    expect(() => taggedVolumeName('a b', 'x')).toThrow(ProviderError);
    await provider.deleteVolume?.(ref);
    await provider.deleteVolume?.({ providerVolumeId: foreign.id, locationCode: 'EU-RO-1' });
  });

  it('quotes standard network storage prices per GB-month: $0.07 up to 1 TB, $0.05 for what is beyond', async () => {
    expect(volumePricePerGBMonth(10)).toEqual({ amount: 0.07, currency: 'usd' });
    expect(volumePricePerGBMonth(1000)).toEqual({ amount: 0.07, currency: 'usd' });
    expect(volumePricePerGBMonth(2000)).toEqual({ amount: 0.06, currency: 'usd' });
    expect(volumePricePerGBMonth(4000)).toEqual({ amount: 0.055, currency: 'usd' });
    const volume = await newVolume('EU-SE-1', 'priced', 1500);
    expect(volume.pricePerGBMonth?.amount).toBeCloseTo((1000 * 0.07 + 500 * 0.05) / 1500, 4);
    await provider.resizeVolume?.(refOf(volume), 3000);
    expect(await listed(volume.providerVolumeId)).toMatchObject({ sizeGB: 3000, pricePerGBMonth: { amount: 0.0567 } });
    await provider.deleteVolume?.(refOf(volume));
  });

  it('lists volumes in one provider call, with the pods that have them', async () => {
    const before = calls.length;
    await provider.listVolumes?.();
    expect(calls.slice(before)).toEqual(['/graphql#NetworkVolumes 200']);
  });

  it('pins the pod to the volume, shows it attached while the pod exists, and refuses to delete it until then', async () => {
    const offer = await secureOffer();
    const volume = await newVolume(offer.location.code, 'pinned');
    const pod = await provider.createInstance(
      createRequestFor(offer, { sshPublicKeys: [KEY], volumes: [refOf(volume)], templateId: null }),
    );
    expect(pod.locationCode).toBe(offer.location.code);
    expect(await rawPod(pod.providerInstanceId)).toMatchObject({
      networkVolumeId: volume.providerVolumeId,
      volumeInGb: 0,
      volumeMountPath: '/workspace',
    });
    expect(await listed(volume.providerVolumeId)).toMatchObject({
      status: 'Attached',
      providerStatus: 'attached',
      attachedInstanceIds: [pod.providerInstanceId],
    });

    await expect(provider.deleteVolume?.(refOf(volume))).rejects.toMatchObject({ kind: 'conflict', provider: 'runpod' });
    await provider.stopInstance(instanceRef(pod));
    // Stopped, the pod keeps its network volume.
    expect((await listed(volume.providerVolumeId))?.status).toBe('Attached');
    const refused = await provider.deleteVolume?.(refOf(volume)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'conflict' });
    expect((refused as ProviderError).message).toMatch(/stopped pods included/);

    await provider.deleteInstance(instanceRef(pod));
    expect(await listed(volume.providerVolumeId)).toMatchObject({ status: 'Available', attachedInstanceIds: [] });
    expect(await provider.deleteVolume?.(refOf(volume))).toBe('accepted');
    expect(await provider.deleteVolume?.(refOf(volume))).toBe('gone');
  });

  it('refuses, before deploying, a second volume, a volume elsewhere, a Community Cloud pod and an unknown volume', async () => {
    const offer = await secureOffer();
    const here = await newVolume(offer.location.code, 'here');
    const other = await newVolume(offer.location.code === 'AP-JP-1' ? 'EU-RO-1' : 'AP-JP-1', 'elsewhere');
    const community = (await provider.listOffers()).find((o) => o.available && o.providerSkuId.startsWith('COMMUNITY:'));
    if (!community) throw new Error('no Community Cloud offer');
    const deploys = () => sim.control.requestCounts()['POST /graphql#podFindAndDeployOnDemand'] ?? 0;
    const before = deploys();

    const attempts: [ProviderOffer, VolumeRef[], RegExp][] = [
      [offer, [refOf(here), refOf(here)], /takes one network volume/],
      [offer, [refOf(other)], new RegExp(`is in ${other.locationCode}`)],
      [community, [refOf(here)], /only available to Secure Cloud pods/],
      [offer, [{ providerVolumeId: 'gone000000', locationCode: offer.location.code }], /no network volume gone000000/],
    ];
    for (const [o, volumes, message] of attempts) {
      const error = await provider.createInstance(createRequestFor(o, { volumes })).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'invalid_request', provider: 'runpod' });
      expect((error as ProviderError).message).toMatch(message);
    }
    expect(deploys()).toBe(before);
    await provider.deleteVolume?.(refOf(here));
    await provider.deleteVolume?.(refOf(other));
  });

  it('starts the pod from an order template: its image, ports and env, gpufleet tag and keys added', async () => {
    const offer = await secureOffer();
    const request = createRequestFor(offer, { sshPublicKeys: [KEY], templateId: 'c7m0fy2ux9', env: { MODEL: 'sdxl' } });
    const pod = await provider.createInstance(request);
    expect(pod).toMatchObject({ gpufleetId: request.gpufleetId, image: 'runpod/comfyui:cuda12.4' });
    const raw = await rawPod(pod.providerInstanceId);
    expect(raw).toMatchObject({ templateId: 'c7m0fy2ux9', imageName: 'runpod/comfyui:cuda12.4', ports: '8188/http,22/tcp' });
    expect(raw.env).toEqual(
      expect.arrayContaining([
        'COMFYUI_ARGS=--listen 0.0.0.0 --port 8188',
        'MODEL=sdxl',
        `GPUFLEET_ID=${request.gpufleetId}`,
        `PUBLIC_KEY=${KEY.publicKey}`,
      ]),
    );
    // Ports named by the order replace the template's, with SSH and Jupyter.
    const withPorts = await provider.createInstance(
      createRequestFor(offer, { templateId: 'k3tq8v2pfa', ports: [{ port: 7860, protocol: 'http' }] }),
    );
    expect(await rawPod(withPorts.providerInstanceId)).toMatchObject({
      templateId: 'k3tq8v2pfa',
      ports: '8888/http,22/tcp,7860/http',
      volumeInGb: 60,
    });
    // With a network volume too: the template's mount path, no volume disk.
    const volume = await newVolume(offer.location.code, 'templated');
    const both = await provider.createInstance(createRequestFor(offer, { templateId: 'k3tq8v2pfa', volumes: [refOf(volume)] }));
    expect(await rawPod(both.providerInstanceId)).toMatchObject({
      networkVolumeId: volume.providerVolumeId,
      volumeInGb: 0,
      volumeMountPath: '/workspace',
    });
    for (const p of [pod, withPorts, both]) await provider.deleteInstance(instanceRef(p));
    await provider.deleteVolume?.(refOf(volume));
  });

  it('refuses a template RunPod does not have, or a serverless one, as invalid_request', async () => {
    const offer = await secureOffer();
    for (const [templateId, message] of [
      ['nosuchtmpl', /no pod template by that id/],
      ['w9sl4vllm0', /serverless template/],
    ] as const) {
      const error = await provider.createInstance(createRequestFor(offer, { templateId })).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'invalid_request', provider: 'runpod' });
      expect((error as ProviderError).message).toMatch(message);
    }
  });

  it('grows a volume, and refuses a shrink, a size out of bounds, another type and an unknown data center', async () => {
    const volume = await newVolume('US-TX-3', 'grow', 100);
    await provider.resizeVolume?.(refOf(volume), 250);
    expect((await listed(volume.providerVolumeId))?.sizeGB).toBe(250);
    const shrink = await provider.resizeVolume?.(refOf(volume), 120).catch((e: unknown) => e);
    expect(shrink).toMatchObject({ kind: 'invalid_request' });
    expect((shrink as ProviderError).message).toMatch(/can only grow/);

    const before = calls.length;
    await expect(provider.resizeVolume?.(refOf(volume), 5000)).rejects.toMatchObject({ kind: 'invalid_request' });
    await expect(newVolume('US-TX-3', 'tiny', 5)).rejects.toMatchObject({ kind: 'invalid_request' });
    await expect(
      provider.createVolume?.({ gpufleetId: randomUUID(), name: 'x', sizeGB: 20, locationCode: 'US-TX-3', type: 'NVMe' }),
    ).rejects.toMatchObject({ kind: 'invalid_request' });
    expect(calls.length).toBe(before);

    const nowhere = await newVolume('CZ', 'community region').catch((e: unknown) => e);
    expect(nowhere).toMatchObject({ kind: 'invalid_request' });
    expect((nowhere as ProviderError).message).toMatch(/Secure Cloud data centers/);
    await expect(provider.renameVolume?.({ providerVolumeId: 'gone000000', locationCode: 'US-TX-3' }, 'x')).rejects.toMatchObject(
      { kind: 'not_found' },
    );
    await expect(provider.resizeVolume?.({ providerVolumeId: 'gone000000', locationCode: 'US-TX-3' }, 20)).rejects.toMatchObject({
      kind: 'not_found',
    });
    expect(await provider.deleteVolume?.({ providerVolumeId: 'gone000000', locationCode: 'US-TX-3' })).toBe('gone');
    await provider.deleteVolume?.(refOf(volume));
  });

  it('reads a malformed volume listing as bad_response naming the field', async () => {
    sim.control.malformNext(1);
    const error = await provider.listVolumes?.().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'bad_response', provider: 'runpod', field: '/data/myself/id' });
  });
});
