import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

/** The image list and the order's image checks against the real services and the simulated clouds. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ web: false, offerRefreshMs: 600_000 });
});
afterAll(() => t.close());

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq5n0lJ6bW7Xk0Tt2mB8XlTg0n8kq2m3ZrJbVQwQm9S images@test';

describe('images', () => {
  it('lists portable and Verda catalog images with stable ids and providers', async () => {
    const { status, body } = await t.call('GET', '/v1/resource/gpu/images?limit=100');
    expect(status).toBe(200);
    const byName = new Map(body.data.map((i: { name: string }) => [i.name, i]));
    expect(byName.get('ubuntu-24.04')).toMatchObject({ providers: expect.arrayContaining(['verda', 'fluidstack', 'runpod']) });
    expect(byName.get('ubuntu-24.04-cuda')).toMatchObject({ providers: ['verda'], machineKinds: ['vm'] });
    expect(byName.get('ubuntu-24.04-cuda-12.8-open-docker')).toMatchObject({ providers: ['verda'] });
    expect(byName.get('jupyter')).toMatchObject({ jupyter: true });
    const again = await t.call('GET', '/v1/resource/gpu/images?limit=100');
    expect(again.body.data.map((i: { id: string }) => i.id)).toEqual(body.data.map((i: { id: string }) => i.id));
  });

  it('refuses an unknown image and one the chosen provider cannot boot, naming them', async () => {
    const key = await t.call('POST', '/v1/resource/ssh-keys', { name: 'images', publicKey: PUBLIC_KEY });
    const offers = await t.call('GET', '/v1/offers?providers=fluidstack&availableOnly=true');
    const offer = offers.body.data.offers[0];
    const order = {
      name: 'img',
      seriesId: offer.series.id,
      gpuCount: offer.gpuCount,
      datacenterId: offer.datacenter.id,
      sshKeyId: key.body.data.id,
    };
    const unknown = await t.call('POST', '/v1/resource/gpu', { ...order, imageName: 'windows-2022' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'UNKNOWN_IMAGE', message: expect.stringContaining('windows-2022') });
    const unsupported = await t.call('POST', '/v1/resource/gpu', { ...order, imageName: 'ubuntu-24.04-cuda' });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error).toBe('IMAGE_NOT_SUPPORTED');
    expect(unsupported.body.message).toContain('ubuntu-24.04-cuda');
    expect(unsupported.body.message).toContain('fluidstack');
  });
});
