import type { FastifyInstance } from 'fastify';
import { EUR_PER_USD, findType, SIM_IMAGES, SIM_INSTANCE_TYPES, SIM_LOCATIONS, type SimInstanceType } from './catalog.ts';
import type { SimContext } from './context.ts';
import { notFound } from './sim-error.ts';

type Query = Record<string, string | undefined>;

/** Prices go out as strings, per instance-hour, as Verda sends them. */
function priceString(usd: number, currency: 'usd' | 'eur'): string {
  const amount = currency === 'eur' ? usd * EUR_PER_USD : usd;
  return String(Math.round(amount * 10_000) / 10_000);
}

function typeView(type: SimInstanceType, currency: 'usd' | 'eur') {
  const { family: _family, priceUsd, spotUsd, ...wire } = type;
  return {
    ...wire,
    price_per_hour: priceString(priceUsd, currency),
    spot_price: priceString(spotUsd ?? 0, currency),
    serverless_price: priceString(priceUsd * 0.9, currency),
    serverless_spot_price: priceString((spotUsd ?? priceUsd) * 0.9, currency),
    dynamic_price: priceString(priceUsd, currency),
    max_dynamic_price: priceString(priceUsd * 2, currency),
    currency,
  };
}

/** Both spellings are in use: the spec's `is_spot` and the Python SDK's `isSpot`. */
function spotQuery(query: Query): boolean {
  return (query['is_spot'] ?? query['isSpot'] ?? 'false').toLowerCase() === 'true';
}

/** `location_code`, or its deprecated camelCase alias. */
function locationQuery(query: Query): string | undefined {
  return query['location_code'] ?? query['locationCode'];
}

export function registerCatalogRoutes(app: FastifyInstance, context: SimContext): void {
  app.get('/instance-types', async (request) => {
    const currency = (request.query as Query)['currency'] === 'eur' ? 'eur' : 'usd';
    return SIM_INSTANCE_TYPES.map((type) => typeView(type, currency));
  });

  app.get('/locations', async () => SIM_LOCATIONS);

  app.get('/instance-availability', async (request) => {
    const query = request.query as Query;
    const isSpot = spotQuery(query);
    const only = locationQuery(query);
    return SIM_LOCATIONS.filter((l) => !only || l.code === only).map((location) => ({
      location_code: location.code,
      availabilities: SIM_INSTANCE_TYPES.filter(
        (type) => (!isSpot || type.spotUsd !== null) && context.capacity.fits(type, location.code, isSpot),
      ).map((type) => type.instance_type),
    }));
  });

  app.get('/instance-availability/:instance_type', async (request) => {
    const query = request.query as Query;
    const type = findType((request.params as { instance_type: string }).instance_type);
    if (!type) return false;
    const isSpot = spotQuery(query);
    if (isSpot && type.spotUsd === null) return false;
    const only = locationQuery(query);
    return SIM_LOCATIONS.some((l) => (!only || l.code === only) && context.capacity.fits(type, l.code, isSpot));
  });

  app.get('/images', async (request) => {
    const wanted = (request.query as Query)['instance_type'];
    if (!wanted) return SIM_IMAGES;
    const type = findType(wanted);
    if (!type) throw notFound('Instance type not found');
    return SIM_IMAGES.filter((image) => type.supported_os.includes(image.image_type));
  });

  app.get('/balance', async () => ({ amount: 1000, currency: 'usd' }));
}
