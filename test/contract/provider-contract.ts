import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VmStatus } from '../../src/core/domain/types.ts';
import { ProviderError } from '../../src/core/provider/errors.ts';
import type {
  InstanceRef,
  Provider,
  ProviderDefinition,
  ProviderInstance,
  ProviderOffer,
  RunningSimulator,
} from '../../src/core/provider/provider.ts';
import { createRequestFor } from '../support/instances.ts';

/**
 * The one suite every provider passes, unchanged, against its own simulator. A fourth cloud proves
 * itself by calling `runProviderContract(itsDefinition)` from its folder.
 */
export interface ContractOptions {
  /** Extra account settings the simulator's defaults do not cover. */
  settings?: Record<string, unknown>;
  /** Simulator transition time; short so the suite stays fast. */
  transitionMs?: number;
}

const TEST_KEY = {
  name: 'contract-key',
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq5n0lJ6bW7Xk0Tt2mB8XlTg0n8kq2m3ZrJbVQwQm9S contract@test',
  fingerprint: 'SHA256:contracttestfingerprint',
};

const silentLogger = { info() {}, warn() {}, error() {} };

export function runProviderContract(definition: ProviderDefinition, options: ContractOptions = {}): void {
  describe(`provider contract: ${definition.id}`, () => {
    let sim: RunningSimulator;
    let provider: Provider;
    const calls: string[] = [];

    const connect = (credentials?: Record<string, string>) =>
      definition.connect(
        {
          accountId: randomUUID(),
          name: `${definition.id} contract`,
          baseUrl: sim.baseUrl,
          credentials: credentials ?? sim.account.credentials,
          settings: { ...sim.account.settings, ...options.settings },
        },
        { logger: silentLogger, onProviderCall: (c) => calls.push(`${c.method} ${c.route} ${c.status}`) },
      );

    beforeAll(async () => {
      sim = await definition.simulator.start({ transitionMs: options.transitionMs ?? 60, seed: 42 });
      provider = connect();
    });
    afterAll(async () => {
      await provider?.close();
      await sim?.close();
    });
    afterEach(() => sim.control.reset());

    const availableOffer = async (): Promise<ProviderOffer> => {
      const offers = await provider.listOffers();
      const offer = offers.find((o) => o.available && !o.spot && o.gpu.count === 1) ?? offers.find((o) => o.available);
      if (!offer) throw new Error('simulator offers nothing available');
      return offer;
    };

    const create = async (offer: ProviderOffer, spot = false): Promise<ProviderInstance> =>
      provider.createInstance(createRequestFor(offer, { spot, sshPublicKeys: [TEST_KEY] }));

    const refOf = (instance: ProviderInstance, offer: ProviderOffer): InstanceRef => ({
      providerInstanceId: instance.providerInstanceId,
      providerSkuId: offer.providerSkuId,
      locationCode: offer.location.code,
      gpuCount: offer.gpu.count,
      spot: offer.spot,
      pricePerHour: offer.pricePerHour,
    });

    const waitForStatus = async (id: string, wanted: VmStatus[], timeoutMs = 10_000): Promise<ProviderInstance | null> => {
      const deadline = Date.now() + timeoutMs;
      let last: ProviderInstance | null = null;
      while (Date.now() < deadline) {
        last = await provider.getInstance(id);
        if (last === null && wanted.includes('Destroyed')) return null;
        if (last && wanted.includes(last.status)) return last;
        await new Promise((r) => setTimeout(r, 40));
      }
      throw new Error(
        `instance ${id} never reached ${wanted.join('/')}; last ${last?.status ?? 'gone'} (${last?.providerStatus})`,
      );
    };

    it('verifies working credentials and rejects bad ones as auth', async () => {
      await provider.verify();
      const bad = connect(Object.fromEntries(Object.keys(sim.account.credentials).map((k) => [k, 'wrong'])));
      await expect(bad.verify()).rejects.toMatchObject({ kind: 'auth', provider: definition.id });
      await bad.close();
    });

    it('declares portable images and, where the cloud lists images, lists its own bootable ones', async () => {
      expect(definition.images.length).toBeGreaterThan(0);
      for (const image of definition.images) expect(image.providerImage).not.toBe('');
      if (!provider.listImages) return;
      const images = await provider.listImages();
      expect(images.length).toBeGreaterThan(0);
      for (const image of images) {
        expect(image.name).toMatch(/\S/);
        expect(typeof image.jupyter).toBe('boolean');
      }
      expect(new Set(images.map((i) => i.name)).size).toBe(images.length);
    });

    it('lists offers with per-VM prices, locations and GPU specs', async () => {
      const offers = await provider.listOffers();
      expect(offers.length).toBeGreaterThan(0);
      for (const offer of offers) {
        expect(offer.providerSkuId).toBeTruthy();
        expect(offer.location.code).toBeTruthy();
        expect(offer.location.countryAbbr).toMatch(/^[A-Z]{2}$/);
        expect(offer.gpu.count).toBeGreaterThan(0);
        expect(offer.gpu.model).toBeTruthy();
        expect(['vm', 'container']).toContain(offer.machineKind);
        if (offer.pricePerHour) expect(offer.pricePerHour.amount).toBeGreaterThan(0);
      }
      expect(offers.some((o) => o.available && o.pricePerHour !== null)).toBe(true);
    });

    it('creates, lists, gets, stops, starts and deletes an instance', async () => {
      const offer = await availableOffer();
      const created = await create(offer);
      expect(created.providerInstanceId).toBeTruthy();
      expect(created.gpufleetId).toBeTruthy();

      const running = await waitForStatus(created.providerInstanceId, ['Running']);
      expect(running?.ip).toBeTruthy();
      expect(running?.username).toBeTruthy();
      expect(running?.sshPort).toBeGreaterThan(0);

      const listed = await provider.listInstances();
      const mine = listed.find((i) => i.providerInstanceId === created.providerInstanceId);
      expect(mine?.gpufleetId).toBe(created.gpufleetId);

      const ref = refOf(created, offer);
      if (definition.capabilities.stopStart) {
        await provider.stopInstance(ref);
        await waitForStatus(created.providerInstanceId, ['Stopped']);
        await provider.startInstance(ref);
        await waitForStatus(created.providerInstanceId, ['Running']);
      }

      expect(await deleteUntilAccepted(provider, ref)).toMatch(/accepted|gone/);
      await waitForStatus(created.providerInstanceId, ['Destroyed']);
      expect(sim.control.liveInstanceIds()).not.toContain(created.providerInstanceId);
      expect(await provider.deleteInstance(ref)).toBe('gone');
    });

    it('hands the machine its startup script, environment and ports, within its declared limit', async () => {
      const offer = await availableOffer();
      const script = "#!/bin/bash\necho 'ready' > /tmp/ready\n";
      const env = { MODEL: 'llama-3', QUOTED: `it's "x" $HOME\nsecond line` };
      const created = await provider.createInstance(
        createRequestFor(offer, {
          sshPublicKeys: [TEST_KEY],
          startupScript: script,
          env,
          ports: [
            { port: 6006, protocol: 'http' },
            { port: 7000, protocol: 'tcp' },
          ],
        }),
      );
      expect(sim.control.bootWorkload(created.providerInstanceId)).toEqual({
        script,
        env: expect.objectContaining(env),
      });
      const running = await waitForStatus(created.providerInstanceId, ['Running']);
      if (definition.capabilities.workload.ports === 'proxy') {
        expect(running?.endpoints?.map((e) => `${e.port}/${e.protocol}`)).toEqual(
          expect.arrayContaining(['6006/http', '7000/tcp']),
        );
      }
      const { maxStartupScriptBytes } = definition.capabilities.workload;
      expect(maxStartupScriptBytes).toBeGreaterThanOrEqual(16 * 1024);
      expect(await deleteUntilAccepted(provider, refOf(created, offer))).toMatch(/accepted|gone/);
      await waitForStatus(created.providerInstanceId, ['Destroyed']);
    });

    const volumes = definition.capabilities.volumes;
    const listVolume = async (id: string) => (await provider.listVolumes?.())?.find((v) => v.providerVolumeId === id);
    const waitForVolume = async (id: string, wanted: string[], timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      let last: Awaited<ReturnType<typeof listVolume>>;
      while (Date.now() < deadline) {
        last = await listVolume(id);
        if (!last && wanted.includes('Deleted')) return undefined;
        if (last && wanted.includes(last.status)) return last;
        await new Promise((r) => setTimeout(r, 40));
      }
      throw new Error(`volume ${id} never reached ${wanted.join('/')}; last ${last?.status ?? 'gone'}`);
    };

    it.runIf(volumes !== null)(
      'creates a tagged volume, attaches it at create, keeps it past the instance, deletes it',
      async () => {
        if (!volumes || !provider.listVolumes || !provider.createVolume || !provider.deleteVolume) {
          throw new Error('capabilities.volumes is declared but listVolumes/createVolume/deleteVolume are missing');
        }
        const offer = await availableOffer();
        const gpufleetId = randomUUID();
        const created = await provider.createVolume({
          gpufleetId,
          name: 'contract data',
          sizeGB: Math.max(volumes.minSizeGB, 50),
          locationCode: offer.location.code,
          type: volumes.types[0] ?? '',
        });
        expect(created.providerVolumeId).toBeTruthy();
        expect(created.gpufleetId).toBe(gpufleetId);
        expect(created.locationCode).toBe(offer.location.code);
        const ready = await waitForVolume(created.providerVolumeId, ['Available']);
        expect(ready?.gpufleetId).toBe(gpufleetId);
        expect(ready?.sizeGB).toBe(Math.max(volumes.minSizeGB, 50));
        expect(sim.control.liveVolumeIds?.()).toContain(created.providerVolumeId);
        const ref = { providerVolumeId: created.providerVolumeId, locationCode: created.locationCode };

        if (volumes.rename && provider.renameVolume) {
          await provider.renameVolume(ref, 'contract data renamed');
          const renamed = await listVolume(created.providerVolumeId);
          expect(renamed?.name).toContain('contract');
          expect(renamed?.gpufleetId).toBe(gpufleetId);
        }
        if (volumes.resize && provider.resizeVolume) {
          const bigger = Math.max(volumes.minSizeGB, 50) + 10;
          await provider.resizeVolume(ref, bigger);
          expect((await waitForVolume(created.providerVolumeId, ['Available']))?.sizeGB).toBe(bigger);
        }

        const instance = await provider.createInstance(createRequestFor(offer, { sshPublicKeys: [TEST_KEY], volumes: [ref] }));
        await waitForStatus(instance.providerInstanceId, ['Running']);
        const attached = await waitForVolume(created.providerVolumeId, ['Attached', 'Available']);
        // RunPod network volumes show no attachment in their listing; block volumes and filesystems do.
        if (attached?.status === 'Attached') expect(attached.attachedInstanceIds).toContain(instance.providerInstanceId);
        await expect(provider.deleteVolume(ref)).rejects.toMatchObject({ kind: 'conflict', provider: definition.id });

        expect(await deleteUntilAccepted(provider, refOf(instance, offer))).toMatch(/accepted|gone/);
        await waitForStatus(instance.providerInstanceId, ['Destroyed']);
        const kept = await waitForVolume(created.providerVolumeId, ['Available']);
        expect(kept?.attachedInstanceIds).toEqual([]);

        expect(await provider.deleteVolume(ref)).toMatch(/accepted|gone/);
        await waitForVolume(created.providerVolumeId, ['Deleted']);
        expect(sim.control.liveVolumeIds?.()).not.toContain(created.providerVolumeId);
        expect(await provider.deleteVolume(ref)).toBe('gone');
      },
    );

    it.runIf(volumes?.attachToExisting === true)('attaches a volume to an existing instance and detaches it', async () => {
      if (!volumes || !provider.attachVolume || !provider.detachVolume || !provider.createVolume || !provider.deleteVolume) {
        throw new Error('attachToExisting is declared but attachVolume/detachVolume are missing');
      }
      const offer = await availableOffer();
      const volume = await provider.createVolume({
        gpufleetId: randomUUID(),
        name: 'contract attach',
        sizeGB: Math.max(volumes.minSizeGB, 50),
        locationCode: offer.location.code,
        type: volumes.types[0] ?? '',
      });
      await waitForVolume(volume.providerVolumeId, ['Available']);
      const ref = { providerVolumeId: volume.providerVolumeId, locationCode: volume.locationCode };
      const instance = await create(offer);
      await waitForStatus(instance.providerInstanceId, ['Running']);
      const instanceRef = refOf(instance, offer);
      if (volumes.attachRequiresStopped) {
        await provider.stopInstance(instanceRef);
        await waitForStatus(instance.providerInstanceId, ['Stopped']);
      }
      await provider.attachVolume(ref, instanceRef);
      const attached = await waitForVolume(volume.providerVolumeId, ['Attached']);
      expect(attached?.attachedInstanceIds).toEqual([instance.providerInstanceId]);
      await provider.detachVolume(ref, instanceRef);
      expect((await waitForVolume(volume.providerVolumeId, ['Available']))?.attachedInstanceIds).toEqual([]);
      await deleteUntilAccepted(provider, instanceRef);
      await waitForStatus(instance.providerInstanceId, ['Destroyed']);
      await provider.deleteVolume(ref);
      await waitForVolume(volume.providerVolumeId, ['Deleted']);
    });

    it.runIf(volumes !== null)('reads a malformed volume listing as bad_response naming the field', async () => {
      sim.control.malformNext(1);
      const error = await provider.listVolumes?.().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).kind).toBe('bad_response');
      expect((error as ProviderError).field).toBeTruthy();
    });

    it('reads an unknown instance as null and its delete as gone', async () => {
      const offer = await availableOffer();
      const ghostId = randomUUID();
      expect(await provider.getInstance(ghostId)).toBeNull();
      expect(await provider.deleteInstance({ ...refOf({ providerInstanceId: ghostId } as ProviderInstance, offer) })).toBe(
        'gone',
      );
    });

    it('reports a capacity shortage as a capacity error, now or as the instance status', async () => {
      const offer = await availableOffer();
      sim.control.setCapacity(false);
      let instance: ProviderInstance | null = null;
      try {
        instance = await create(offer);
      } catch (error) {
        expect(error).toBeInstanceOf(ProviderError);
        expect((error as ProviderError).kind).toBe('capacity');
        expect((error as ProviderError).provider).toBe(definition.id);
      }
      if (instance) {
        const failed = await waitForStatus(instance.providerInstanceId, ['Error']);
        expect(failed?.statusReason).toBe('capacity');
        await deleteUntilAccepted(provider, refOf(instance, offer));
        await waitForStatus(instance.providerInstanceId, ['Destroyed']);
      }
      sim.control.setCapacity(true);
    });

    it('waits out 429s, honouring Retry-After', async () => {
      const before = calls.length;
      sim.control.rateLimitNext(2, 1);
      const started = Date.now();
      const offers = await provider.listOffers();
      expect(offers.length).toBeGreaterThan(0);
      expect(calls.slice(before).filter((c) => c.endsWith(' 429')).length).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    });

    it('keeps working after its tokens expire', async () => {
      await provider.listInstances();
      sim.control.expireTokens();
      await expect(provider.listInstances()).resolves.toBeInstanceOf(Array);
    });

    it('maps a state it has never seen to Unknown and keeps the raw value', async () => {
      const offer = await availableOffer();
      const created = await create(offer);
      await waitForStatus(created.providerInstanceId, ['Running']);
      sim.control.setRawStatus(created.providerInstanceId, 'quantum_flux');
      const seen = await provider.getInstance(created.providerInstanceId);
      expect(seen?.status).toBe('Unknown');
      expect(seen?.providerStatus).toContain('quantum_flux');
      sim.control.setRawStatus(created.providerInstanceId, null);
      expect((await provider.getInstance(created.providerInstanceId))?.status).toBe('Running');
      await deleteUntilAccepted(provider, refOf(created, offer));
      await waitForStatus(created.providerInstanceId, ['Destroyed']);
    });

    it('fails at the boundary on a malformed response, naming provider and field', async () => {
      sim.control.malformNext(1);
      const error = await provider.listInstances().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).kind).toBe('bad_response');
      expect((error as ProviderError).provider).toBe(definition.id);
      expect((error as ProviderError).field).toBeTruthy();
    });

    it('turns persistent server errors into unavailable after bounded retries', async () => {
      sim.control.setFaults({ errorRate: 1 });
      await expect(provider.listInstances()).rejects.toMatchObject({ kind: 'unavailable', provider: definition.id });
      sim.control.setFaults({ errorRate: 0 });
    });

    it('leaves nothing running that the account does not list', async () => {
      const listed = new Set((await provider.listInstances()).map((i) => i.providerInstanceId));
      for (const id of sim.control.liveInstanceIds()) expect(listed.has(id)).toBe(true);
      if (!provider.listVolumes) return;
      const listedVolumes = new Set((await provider.listVolumes()).map((v) => v.providerVolumeId));
      for (const id of sim.control.liveVolumeIds?.() ?? []) expect(listedVolumes.has(id)).toBe(true);
    });
  });
}

/** Delete, waiting while the provider refuses for now (Verda will not delete a provisioning instance). */
async function deleteUntilAccepted(provider: Provider, ref: InstanceRef): Promise<'accepted' | 'gone'> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await provider.deleteInstance(ref);
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'retry_later' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      throw error;
    }
  }
}
