import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  DatacenterSchema,
  InventoryQuery,
  InventorySchema,
  OffersQuery,
  OffersResultSchema,
  SeriesSchema,
} from '../../contract/catalog.ts';
import { Envelope, PagedEnvelope, ref } from '../../contract/common.ts';
import { IMAGE_SORTABLE, ImageListQuery, ImageSchema } from '../../contract/images.ts';
import type { MachineKind } from '../../core/domain/types.ts';
import type { Services } from '../../services/types.ts';
import { toListQuery } from '../list-query.ts';
import { ok, paged } from '../plugins/envelope.ts';
import { errorResponses } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['Catalog'];

/** `a,b, c` → `['a','b','c']`; absent stays absent so the service applies no filter. */
function commaList(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function catalogRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();

  api.get(
    '/v1/resource/gpu/inventory',
    {
      schema: {
        tags,
        summary: 'Live GPU availability',
        description:
          'Series with the datacenters and GPU counts that have capacity; `specs` is the recommended (cheapest available) ' +
          'SKU and `availableSkus` every orderable one, cheapest first. When a provider cannot be reached the answer still ' +
          'succeeds with `error.code = GPU_PROVIDER_UNAVAILABLE`.',
        querystring: InventoryQuery,
        response: { 200: Envelope(ref(InventorySchema)), ...errorResponses },
      },
    },
    async (request) => ok('GPU inventory retrieved successfully', await services.catalog.inventory(request.query)),
  );

  api.get(
    '/v1/resource/gpu/images',
    {
      schema: {
        tags,
        summary: 'OS images an order can name',
        description: "Portable names first, then images of the providers' own catalogs; each says which providers boot it.",
        querystring: ImageListQuery,
        response: { 200: PagedEnvelope(ref(ImageSchema)), ...errorResponses },
      },
    },
    async (request) =>
      paged('Images retrieved successfully', await services.images.list(toListQuery(request.query, IMAGE_SORTABLE))),
  );

  api.get(
    '/v1/resource/gpu/series',
    {
      schema: { tags, summary: 'GPU series', response: { 200: Envelope(Type.Array(ref(SeriesSchema))), ...errorResponses } },
    },
    async () => ok('GPU series retrieved successfully', await services.catalog.series()),
  );

  api.get(
    '/v1/resource/data-centers',
    {
      schema: { tags, summary: 'Datacenters', response: { 200: Envelope(Type.Array(ref(DatacenterSchema))), ...errorResponses } },
    },
    async () => ok('Datacenters retrieved successfully', await services.catalog.datacenters()),
  );

  api.get(
    '/v1/offers',
    {
      schema: {
        tags,
        summary: 'Orderable offers',
        description:
          'gpufleet: every orderable SKU with its provider, datacenter, specs, price, availability, spot and machine kind.',
        querystring: OffersQuery,
        response: { 200: Envelope(OffersResultSchema), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await services.catalog.offers({
        seriesCode: q.seriesCode,
        gpuCount: q.gpuCount,
        datacenterId: q.datacenterId,
        countries: commaList(q.countries),
        regions: commaList(q.regions),
        providers: commaList(q.providers),
        excludeProviders: commaList(q.excludeProviders),
        maxPricePerHour: q.maxPricePerHour,
        spot: q.spot,
        machineKinds: commaList(q.machineKinds) as MachineKind[] | undefined,
        availableOnly: q.availableOnly,
      });
      return ok('Offers retrieved successfully', result);
    },
  );
}
