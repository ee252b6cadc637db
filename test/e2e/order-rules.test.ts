import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { newSshKey, waitForStatus } from './helpers.ts';

interface OfferView {
  skuCode: string;
  series: { id: string; code: string };
  datacenter: { id: string; countryAbbr: string };
  gpuCount: number;
  spot: boolean;
  machineKind: string;
  provider: string;
  pricePerHour: { amount: number; currency: string } | null;
}

/** What an order is held to before anything is placed: the SKU it names, the name it gives, the constraints it sets. */
describe('order rules', () => {
  let t: TestApp;
  let sshKeyId: string;
  beforeAll(async () => {
    t = await startTestApp({ web: false });
    sshKeyId = await newSshKey(t);
  });
  afterAll(async () => t?.close());

  const offers = async (query: string): Promise<OfferView[]> => {
    const res = await t.call('GET', `/v1/offers?${query}`);
    expect(res.status).toBe(200);
    return res.body.data.offers;
  };
  const spotSku = async (): Promise<OfferView> => {
    // Spot SKUs are listed by /v1/offers (the inventory shows on-demand ones).
    const spot = (await offers('availableOnly=true&spot=only')).find((o) => o.machineKind === 'vm');
    expect(spot, 'an available spot SKU').toBeTruthy();
    return spot as OfferView;
  };
  const removeVm = async (id: string) => {
    await t.call('DELETE', `/v1/resource/gpu/${id}`);
    await waitForStatus(t, id, 'Destroyed');
  };

  it('honours a spot skuCode named explicitly, without a spot field', async () => {
    const sku = await spotSku();
    const order = await t.call('POST', '/v1/resource/gpu', {
      name: 'named-spot',
      seriesId: sku.series.id,
      datacenterId: sku.datacenter.id,
      gpuCount: sku.gpuCount,
      skuCode: sku.skuCode,
      sshKeyId,
    });
    expect(order.status, JSON.stringify(order.body)).toBe(202);
    const vm = (await t.call('GET', `/v1/resource/gpu/${order.body.data.resourceId}`)).body.data;
    expect(vm.configuration.skuCode).toBe(sku.skuCode);
    expect(vm.spot).toBe(true);
    await removeVm(vm.id);
  });

  it('refuses a spot skuCode with a 400 saying why when the order excludes spot', async () => {
    const sku = await spotSku();
    const base = {
      seriesId: sku.series.id,
      datacenterId: sku.datacenter.id,
      gpuCount: sku.gpuCount,
      skuCode: sku.skuCode,
      sshKeyId,
    };
    for (const extra of [{ spot: false }, { constraints: { spot: 'exclude' } }]) {
      const res = await t.call('POST', '/v1/resource/gpu', { name: 'spot-excluded', ...base, ...extra });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, error: 'SKU_MISMATCH' });
      expect(res.body.message).toMatch(/spot/);
      expect(res.body.message).toContain(sku.skuCode);
    }
  });
});
