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
describe('order rules', { timeout: 120_000 }, () => {
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
  // Deleted once placed, as a user would: a delete while the order is still being placed waits on it.
  const removeVm = async (id: string) => {
    await waitForStatus(t, id, 'Running');
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

  describe('VM names', () => {
    const vmOrder = async (name: string, headers: Record<string, string> = {}) => {
      const offer = (await offers('gpuCount=1&availableOnly=true&spot=exclude')).find((o) => o.machineKind === 'vm');
      return t.call(
        'POST',
        '/v1/resource/gpu',
        { name, seriesId: offer?.series.id, datacenterId: offer?.datacenter.id, gpuCount: 1, sshKeyId },
        headers,
      );
    };

    it('refuses a second live VM of the same name, ignoring case, naming the first; a replay still replays', async () => {
      const first = await vmOrder('train-01', { 'Idempotency-Key': 'name-rule-1' });
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      const id = first.body.data.resourceId;

      const again = await vmOrder('TRAIN-01');
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ success: false, error: 'NAME_TAKEN' });
      expect(again.body.message).toContain('"train-01"');
      expect(again.body.message).toContain(id);
      expect(again.body.details).toMatchObject({ id, name: 'train-01' });

      const replay = await vmOrder('train-01', { 'Idempotency-Key': 'name-rule-1' });
      expect(replay.status).toBe(202);
      expect(replay.body.data.resourceId).toBe(id);

      const listed = await t.call('GET', '/v1/resource/gpu?search=train-01&limit=100');
      expect(listed.body.data.filter((v: { name: string }) => v.name.toLowerCase() === 'train-01')).toHaveLength(1);

      // A rename onto a live VM's name is refused the same way; keeping one's own name is not a clash.
      const other = await vmOrder('train-02');
      expect(other.status).toBe(202);
      const otherId = other.body.data.resourceId;
      const clash = await t.call('PUT', `/v1/resource/gpu/${otherId}`, { name: 'Train-01' });
      expect(clash.status).toBe(409);
      expect(clash.body).toMatchObject({ error: 'NAME_TAKEN', details: { id } });
      expect((await t.call('PUT', `/v1/resource/gpu/${id}`, { name: 'Train-01' })).status).toBe(200);

      // Once destroyed, the name is free again.
      await removeVm(id);
      await removeVm(otherId);
      const reused = await vmOrder('train-01');
      expect(reused.status, JSON.stringify(reused.body)).toBe(202);
      await removeVm(reused.body.data.resourceId);
    });

    it('holds orders and renames to one name rule, naming the field', async () => {
      for (const bad of ['', ' lead', '-lead', 'has space', 'a/b', 'x'.repeat(64), 'ünï']) {
        const res = await vmOrder(bad);
        expect(res.status, bad).toBe(400);
        expect(res.body, bad).toMatchObject({ success: false, error: 'VALIDATION_ERROR' });
        expect(res.body.message, bad).toMatch(/name/);
      }
      const good = await vmOrder(`a.b_c-${'9'.repeat(57)}`);
      expect(good.status, JSON.stringify(good.body)).toBe(202);
      const id = good.body.data.resourceId;
      for (const bad of ['', 'has space', 'x'.repeat(64), '_lead']) {
        const res = await t.call('PUT', `/v1/resource/gpu/${id}`, { name: bad });
        expect(res.status, bad).toBe(400);
        expect(res.body, bad).toMatchObject({ success: false, error: 'VALIDATION_ERROR' });
        expect(res.body.message, bad).toMatch(/name/);
      }
      await removeVm(id);
    });
  });

  describe('refusals that name the constraint', () => {
    /** An order of the series, count and place of an on-demand VM offer, with the given extras. */
    const place = async () => {
      const offer = (await offers('gpuCount=1&availableOnly=true&spot=exclude')).find((o) => o.machineKind === 'vm') as OfferView;
      const here = await offers(
        `seriesCode=${offer.series.code}&gpuCount=1&datacenterId=${offer.datacenter.id}&availableOnly=true&spot=exclude`,
      );
      const cheapest = Math.min(...here.map((o) => o.pricePerHour?.amount ?? Number.POSITIVE_INFINITY));
      return { offer, cheapest };
    };
    const orderWith = async (offer: OfferView, extra: Record<string, unknown>) =>
      t.call('POST', '/v1/resource/gpu', {
        name: 'refused',
        seriesId: offer.series.id,
        datacenterId: offer.datacenter.id,
        gpuCount: 1,
        sshKeyId,
        ...extra,
      });

    it('says nothing matches under the price and what the cheapest match costs', async () => {
      const { offer, cheapest } = await place();
      const max = Math.floor((cheapest / 2) * 1000) / 1000 || 0.001;
      for (const [extra, field] of [
        [{ maxPricePerHour: max }, 'maxPricePerHour'],
        [{ constraints: { maxPricePerHour: max } }, 'constraints.maxPricePerHour'],
      ] as const) {
        const res = await orderWith(offer, extra);
        expect(res.status, JSON.stringify(res.body)).toBe(409);
        expect(res.body).toMatchObject({ success: false, error: 'NO_MATCHING_OFFER' });
        expect(res.body.message).not.toMatch(/depleted|Refresh the inventory/i);
        expect(res.body.message).toContain(`under ${max} per hour (${field})`);
        expect(res.body.message).toContain(`cheapest match costs ${cheapest} `);
        expect(res.body.details).toMatchObject({
          constraint: field,
          value: max,
          cheapest: { pricePerHour: { amount: cheapest } },
        });
      }
    });

    it('names the country, provider, machine kind or spot setting that removed the last offer', async () => {
      const { offer } = await place();
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [
          { constraints: { countries: ['ZZ'] } },
          'constraints.countries',
          new RegExp(`in ZZ .*offered in ${offer.datacenter.countryAbbr}`),
        ],
        [
          { constraints: { providers: ['nowhere'] } },
          'constraints.providers',
          new RegExp(`offered by nowhere .*offered by ${offer.provider}`),
        ],
        [{ constraints: { excludeProviders: [offer.provider] } }, 'constraints.excludeProviders', new RegExp(offer.provider)],
        [{ constraints: { machineKinds: ['container'] } }, 'constraints.machineKinds', /runs as container/],
      ];
      for (const [extra, field, message] of cases) {
        const res = await orderWith(offer, extra);
        expect(res.status, field).toBe(409);
        expect(res.body, field).toMatchObject({ error: 'NO_MATCHING_OFFER', details: { constraint: field } });
        expect(res.body.message, field).toMatch(message);
        expect(res.body.message, field).toContain(field);
      }
      // Spot asked for where only on-demand machines are offered.
      const all = await offers('gpuCount=1&availableOnly=true');
      const spotPlaces = new Set(all.filter((o) => o.spot).map((o) => `${o.series.id}|${o.datacenter.id}`));
      const noSpot = all.find((o) => !o.spot && o.machineKind === 'vm' && !spotPlaces.has(`${o.series.id}|${o.datacenter.id}`));
      expect(noSpot, 'a place with on-demand machines only').toBeTruthy();
      const spot = await orderWith(noSpot as OfferView, { spot: true });
      expect(spot.status).toBe(409);
      expect(spot.body).toMatchObject({ error: 'NO_MATCHING_OFFER', details: { constraint: 'spot', value: true } });
      expect(spot.body.message).toMatch(/no spot capacity/);
    });
  });
});
