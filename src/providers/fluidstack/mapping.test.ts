import { describe, expect, it } from 'vitest';
import { FILESYSTEM_TYPE, filesystemNameOf, filesystemPriceOf, filesystemTagOf, mountsOf, volumeOf } from './filesystems.ts';
import { gpuSpecOf } from './gpu-model.ts';
import { atlasImageOf, imageNameOf, instanceNameOf, instanceOf, priceOf, StatusMapper } from './mapping.ts';
import { PreemptionTracker } from './preemption.ts';
import { filesystemQuantityOf, filesystemSizeGB, quantityGiB } from './quantity.ts';
import { resolveSettings } from './settings.ts';
import { authorizedKeysOf, cloudConfigFor, userDataFor } from './user-data.ts';
import { FILESYSTEM_NAME_PATTERN, type Instance } from './wire.ts';

const PROJECT = '3f6c2a9e-8b1d-4c7a-9e52-1d0b7f4a6c21';
const silent = { info() {}, warn() {}, error() {} };

describe('fluidstack mapping', () => {
  it('reads Atlas GPU model strings as canonical models', () => {
    expect(gpuSpecOf('GH100_H100_SXM5_80GB', 8)).toEqual({
      model: 'H100',
      vendor: 'NVIDIA',
      memoryGiB: 80,
      count: 8,
      interconnect: 'SXM',
    });
    expect(gpuSpecOf('GH100_H200_SXM5_141GB', 1)).toMatchObject({ model: 'H200', memoryGiB: 141, interconnect: 'SXM' });
    expect(gpuSpecOf('GB100_B200_SXM6_180GB', 8)).toMatchObject({ model: 'B200', memoryGiB: 180 });
    expect(gpuSpecOf('AD102_L40S_PCIE_48GB', 2)).toMatchObject({ model: 'L40S', interconnect: 'PCIe' });
    expect(gpuSpecOf('GH100_H100_NVL_94GB', 2)).toMatchObject({ model: 'H100', memoryGiB: 94, interconnect: 'NVLink' });
    expect(gpuSpecOf('NVIDIA-L4', 1)).toMatchObject({ model: 'L4', memoryGiB: 24, interconnect: 'PCIe' });
    expect(gpuSpecOf('RTX_6000_ADA_48GB', 1)).toMatchObject({ model: 'RTX 6000 Ada' });
    expect(gpuSpecOf('MI300X_OAM_192GB', 8)).toMatchObject({ model: 'MI300X', vendor: 'AMD', memoryGiB: 192 });
    expect(gpuSpecOf('QX9000', 1)).toMatchObject({ model: 'QX9000', vendor: 'Other', memoryGiB: 0, interconnect: null });
  });

  it('reads Kubernetes quantities', () => {
    expect(quantityGiB('960Gi')).toBe(960);
    expect(quantityGiB('1Ti')).toBe(1024);
    expect(quantityGiB('2048Mi')).toBe(2);
    expect(quantityGiB('lots')).toBeNull();
  });

  it('reads filesystem sizes in GB and sends them as decimal quantities that read back the same', () => {
    // 512 × 2^30 bytes is 549.76 GB: gpufleet's sizes are decimal GB, Atlas's examples binary GiB.
    expect(filesystemSizeGB('512Gi')).toBe(549.76);
    expect(filesystemSizeGB('1Ti')).toBe(1099.51);
    expect(filesystemSizeGB('2T')).toBe(2000);
    expect(filesystemSizeGB('1500M')).toBe(1.5);
    // A bare number is GB, as the size's description says, not bytes as a quantity would have it.
    expect(filesystemSizeGB('1000')).toBe(1000);
    expect(filesystemSizeGB('lots')).toBeNull();
    for (const sizeGB of [1, 50, 512, 1000, 99_999]) {
      expect(filesystemQuantityOf(sizeGB)).toBe(`${sizeGB}G`);
      expect(filesystemSizeGB(filesystemQuantityOf(sizeGB))).toBe(sizeGB);
    }
  });

  it('carries the gpufleet id in a filesystem name within the name rule, and reads it back', () => {
    const id = '0b6c1f4e-9a2d-4c3b-8e7f-5a6b7c8d9e0f';
    const name = filesystemNameOf('Training data (v2)', id);
    expect(name).toBe(`training-data-v2-gf-${id}`);
    expect(filesystemTagOf(name)).toEqual({ gpufleetId: id, name: 'training-data-v2' });

    const rule = new RegExp(FILESYSTEM_NAME_PATTERN);
    for (const human of ['x'.repeat(80), '--a--', '***', 'Ünïcødé', 'abcdefghij-klmnopqrstu-vwxyz', 'my-gf']) {
      const made = filesystemNameOf(human, id);
      expect(made).toMatch(rule);
      expect(made.length).toBeLessThanOrEqual(63);
      expect(filesystemTagOf(made).gpufleetId).toBe(id);
    }
    expect(filesystemNameOf('x'.repeat(80), id)).toBe(`${'x'.repeat(23)}-gf-${id}`);
    expect(filesystemNameOf('abcdefghij-klmnopqrstu-vwxyz', id)).toBe(`abcdefghij-klmnopqrstu-gf-${id}`);
    expect(filesystemNameOf('***', id)).toBe(`volume-gf-${id}`);
    expect(filesystemTagOf(filesystemNameOf('my-gf', id))).toEqual({ gpufleetId: id, name: 'my-gf' });

    // Names made elsewhere are not ours, whatever they look like.
    expect(filesystemTagOf('fs-1')).toEqual({ gpufleetId: null, name: 'fs-1' });
    expect(filesystemTagOf(`gf-${id}`)).toEqual({ gpufleetId: null, name: `gf-${id}` });
    expect(filesystemTagOf(`Team Data-gf-${id.toUpperCase()}`)).toEqual({
      gpufleetId: null,
      name: `Team Data-gf-${id.toUpperCase()}`,
    });
    // The id must be a lower case UUID, or it would not read back the same.
    expect(() => filesystemNameOf('data', 'VM-1')).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
    expect(() => filesystemNameOf('data', id.toUpperCase())).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
  });

  it('maps a filesystem to a volume: region, GB, status from the mounts, contract price', () => {
    const settings = resolveSettings({
      projectId: PROJECT,
      regions: [
        { name: 'us-tx-1', baseUrl: 'https://x/api/v1alpha1' },
        { name: 'is-kef-1', baseUrl: 'https://y/api/v1alpha1' },
      ],
      filesystemPriceSheet: [
        { pricePerGBMonth: 0.07, currency: 'USD' },
        { pricePerGBMonth: 0.05, currency: 'usd', region: 'is-kef-1' },
      ],
    });
    const [tx, kef] = settings.regions;
    if (!tx || !kef) throw new Error('no regions');
    const id = '0b6c1f4e-9a2d-4c3b-8e7f-5a6b7c8d9e0f';
    const fs = { id: 'fs-a', name: `datasets-gf-${id}`, size: '512Gi' };
    const instance = (iid: string, filesystems: string[] | null | undefined): Instance => ({
      id: iid,
      name: iid,
      type: 't',
      state: 'running',
      preemptible: false,
      filesystems,
    });
    const mounts = mountsOf([instance('i-1', ['fs-a', 'fs-a']), instance('i-2', ['fs-a', 'fs-b']), instance('i-3', null)]);
    expect(Object.fromEntries(mounts)).toEqual({ 'fs-a': ['i-1', 'i-2'], 'fs-b': ['i-2'] });

    expect(volumeOf(fs, { region: tx, mountedBy: mounts.get('fs-a') ?? [], sheet: settings.filesystemPriceSheet })).toEqual({
      providerVolumeId: 'fs-a',
      gpufleetId: id,
      name: 'datasets',
      locationCode: 'us-tx-1',
      sizeGB: 549.76,
      type: FILESYSTEM_TYPE,
      status: 'Attached',
      providerStatus: 'mounted',
      attachedInstanceIds: ['i-1', 'i-2'],
      pricePerGBMonth: { amount: 0.07, currency: 'usd' },
      createdAt: null,
    });
    const foreign = volumeOf(
      { id: 'fs-c', name: 'fs-1', size: '100G' },
      { region: kef, mountedBy: [], sheet: settings.filesystemPriceSheet },
    );
    expect(foreign).toMatchObject({
      gpufleetId: null,
      name: 'fs-1',
      locationCode: 'is-kef-1',
      sizeGB: 100,
      status: 'Available',
      providerStatus: 'listed',
      attachedInstanceIds: [],
      pricePerGBMonth: { amount: 0.05, currency: 'usd' },
    });
    expect(filesystemPriceOf([], 'us-tx-1')).toBeNull();
    expect(filesystemPriceOf([{ pricePerGBMonth: 0.05, currency: 'usd', region: 'is-kef-1' }], 'us-tx-1')).toBeNull();
  });

  it('maps every documented state and nothing else', () => {
    const warnings: unknown[] = [];
    const statuses = new StatusMapper({ ...silent, warn: (...args) => warnings.push(args) });
    expect(
      ['creating', 'starting', 'running', 'stopping', 'stopped', 'deleting', 'out-of-stock', 'error'].map((s) => statuses.map(s)),
    ).toEqual(['Provisioning', 'Starting', 'Running', 'Stopping', 'Stopped', 'Stopping', 'Error', 'Error']);
    expect(statuses.map('Running')).toBe('Unknown');
    expect(statuses.map('Running')).toBe('Unknown');
    expect(warnings).toHaveLength(1);
  });

  it('maps images both ways and derives hostnames', () => {
    expect(atlasImageOf('ubuntu-24.04')).toBe('image://ubuntu24.04');
    expect(atlasImageOf('image://custom')).toBe('image://custom');
    expect(() => atlasImageOf('windows-2022')).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
    expect(imageNameOf('ubuntu22.04')).toBe('ubuntu-22.04');
    expect(imageNameOf('image://my-image')).toBe('my-image');
    expect(instanceNameOf('  My GPU box! (2) ')).toBe('my-gpu-box-2');
    expect(instanceNameOf('***')).toBe('gpufleet-vm');
    expect(instanceNameOf('x'.repeat(80))).toHaveLength(63);
  });

  it('prefers region-specific prices and never prices preemptible from on-demand', () => {
    const sheet = [
      { instanceType: 't.1x', pricePerHour: 2, currency: 'USD' },
      { instanceType: 't.1x', pricePerHour: 1.5, currency: 'usd', region: 'fr-par-1' },
    ];
    expect(priceOf(sheet, 't.1x', 'us-tx-1', false)).toEqual({ amount: 2, currency: 'usd' });
    expect(priceOf(sheet, 't.1x', 'fr-par-1', false)).toEqual({ amount: 1.5, currency: 'usd' });
    expect(priceOf(sheet, 't.1x', 'us-tx-1', true)).toBeNull();
    expect(priceOf(sheet, 'other', 'us-tx-1', false)).toBeNull();
  });

  it('reads the gpufleet tag, the private IP and an instance of an unknown type', () => {
    const settings = resolveSettings({ projectId: PROJECT, regions: [{ name: 'us-tx-1', baseUrl: 'https://x/api/v1alpha1' }] });
    const region = settings.regions[0];
    if (!region) throw new Error('no region');
    const instance = instanceOf(
      {
        id: 'i-1',
        name: 'vm',
        type: 'retired.1x',
        state: 'stopped',
        ip: '10.0.0.2',
        image: 'ubuntu22.04',
        preemptible: true,
        tags: { 'gpufleet-id': 'g-1' },
      },
      { region, types: new Map(), sheet: [], statuses: new StatusMapper(silent), preemption: new PreemptionTracker() },
    );
    expect(instance).toMatchObject({
      gpufleetId: 'g-1',
      status: 'Stopped',
      statusReason: null,
      ip: '10.0.0.2',
      ipIsPrivate: true,
      gpuCount: 0,
      vcpu: null,
      image: 'ubuntu-22.04',
      spot: true,
    });
  });

  it('infers locations from region names unless the settings say otherwise', () => {
    const settings = resolveSettings({
      projectId: PROJECT,
      regions: [
        { name: 'uk-lon-1', baseUrl: 'https://a/' },
        { name: 'canada', baseUrl: 'https://b', country: 'Canada', countryAbbr: 'ca', geoRegion: 'north-america' },
        { name: 'sandbox', baseUrl: 'https://c', projectId: '9a1e4b7c-2d5f-4e8a-b3c6-7f0d2e9a1b54' },
      ],
    });
    expect(settings.regions.map((r) => r.location)).toEqual([
      { code: 'uk-lon-1', name: 'United Kingdom (uk-lon-1)', country: 'United Kingdom', countryAbbr: 'GB', region: 'europe' },
      { code: 'canada', name: 'Canada (canada)', country: 'Canada', countryAbbr: 'CA', region: 'north-america' },
      { code: 'sandbox', name: 'sandbox', country: 'Unknown', countryAbbr: 'ZZ', region: 'unknown' },
    ]);
    expect(settings.regions[0]?.baseUrl).toBe('https://a');
    expect(settings.regions[2]?.projectId).toBe('9a1e4b7c-2d5f-4e8a-b3c6-7f0d2e9a1b54');
    expect(settings.tokenUrl).toBe('https://oauth.fluidstack.io/oauth/token');
    expect(() => resolveSettings({ projectId: 'nope', regions: [] })).toThrow(
      expect.objectContaining({ kind: 'invalid_request', provider: 'fluidstack' }),
    );
  });

  it('writes SSH keys into a cloud-config that reads back intact', () => {
    const keys = ['ssh-ed25519 AAAA alice', 'ssh-rsa BBBB "quoted": #comment'];
    expect(cloudConfigFor(keys)).toBe(
      '#cloud-config\nssh_authorized_keys:\n  - "ssh-ed25519 AAAA alice"\n  - "ssh-rsa BBBB \\"quoted\\": #comment"\n',
    );
    expect(authorizedKeysOf(userDataFor(keys) ?? '')).toEqual(keys);
    expect(userDataFor([])).toBeNull();
    expect(() => cloudConfigFor(['ssh-ed25519 AAAA\nevil: true'])).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
  });

  it('tells a preemption from a stop of ours, and claims none it has not seen', () => {
    const tracker = new PreemptionTracker();
    const read = (id: string, state: string) => tracker.reasonFor({ id, state, preemptible: true });

    expect(read('a', 'running')).toBeNull();
    expect(read('a', 'stopping')).toBe('preempted');
    expect(read('a', 'stopped')).toBe('preempted');
    tracker.noteStart('a');
    expect(read('a', 'stopped')).toBeNull();
    expect(read('a', 'running')).toBeNull();

    // Our stop, even when a poll sent before it landed still shows the instance running.
    expect(read('b', 'running')).toBeNull();
    tracker.noteStop('b');
    expect(read('b', 'running')).toBeNull();
    expect(read('b', 'stopped')).toBeNull();

    // First seen stopped (e.g. after a restart): not claimed as preempted.
    expect(read('c', 'stopped')).toBeNull();
    expect(tracker.reasonFor({ id: 'd', state: 'running', preemptible: false })).toBeNull();
    expect(tracker.reasonFor({ id: 'd', state: 'stopped', preemptible: false })).toBeNull();
  });
});
