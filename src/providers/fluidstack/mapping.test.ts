import { describe, expect, it } from 'vitest';
import { gpuSpecOf } from './gpu-model.ts';
import { atlasImageOf, imageNameOf, instanceNameOf, instanceOf, priceOf, StatusMapper } from './mapping.ts';
import { PreemptionTracker } from './preemption.ts';
import { filesystemSizeGiB, quantityGiB } from './quantity.ts';
import { resolveSettings } from './settings.ts';
import { authorizedKeysOf, cloudConfigFor, userDataFor } from './user-data.ts';

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

  it('reads Kubernetes quantities and filesystem sizes', () => {
    expect(quantityGiB('960Gi')).toBe(960);
    expect(quantityGiB('1Ti')).toBe(1024);
    expect(quantityGiB('2048Mi')).toBe(2);
    expect(quantityGiB('lots')).toBeNull();
    expect(filesystemSizeGiB('512Gi')).toBe(512);
    // A bare number is GB, as the size's description says.
    expect(filesystemSizeGiB('1000')).toBe(931.32);
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
