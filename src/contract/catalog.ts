import { type Static, Type } from '@sinclair/typebox';
import { IntegerEnum, MoneySchema, Nullable, NullableObject, ref, StringEnum, Uuid } from './common.ts';
import { MachineKindSchema } from './gpu-vm.ts';
import { GPU_COUNTS } from './gpu-vm-requests.ts';

export const SeriesSchema = Type.Object(
  {
    id: Uuid(),
    code: Type.String({ description: 'e.g. h100_series' }),
    name: Type.String({ description: 'e.g. H100 Series' }),
    description: Type.String(),
  },
  { $id: 'Series', description: 'A GPU series of the catalog' },
);
export type SeriesInfo = Static<typeof SeriesSchema>;

export const DatacenterSchema = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    code: Type.String({ description: 'gpufleet code, e.g. verda-fin-01' }),
    region: Type.String(),
    country: Type.String(),
    countryAbbr: Type.String({ description: 'ISO 3166-1 alpha-2' }),
    provider: Type.String({ description: 'gpufleet: the provider this location belongs to' }),
  },
  { $id: 'DataCenter', description: 'One physical location of one provider' },
);
export type DatacenterInfo = Static<typeof DatacenterSchema>;

const skuSpecs = (description?: string) =>
  Type.Object(
    {
      gpuDescription: Type.String(),
      vcpu: Type.Integer(),
      memoryGiB: Type.Number(),
      storageGB: Type.Number(),
    },
    description ? { description } : {},
  );
export type SkuSpecs = Static<ReturnType<typeof skuSpecs>>;

export const OfferSchema = Type.Object(
  {
    skuId: Uuid(),
    skuCode: Type.String(),
    description: Type.String(),
    provider: Type.String(),
    providerAccountId: Uuid(),
    providerSkuName: Type.String(),
    providerSkuId: Type.String({ description: "The provider's own handle on the instance type" }),
    providerLocationCode: Type.String({ description: "The provider's own location code" }),
    series: Type.Object({ id: Uuid(), code: Type.String(), name: Type.String() }),
    datacenter: ref(DatacenterSchema),
    gpuCount: Type.Integer(),
    gpu: Type.Object({ model: Type.String(), memoryGiB: Type.Number(), interconnect: Nullable(Type.String()) }),
    specs: skuSpecs(),
    pricePerHour: NullableObject(MoneySchema, 'null when the provider publishes no price'),
    available: Type.Boolean(),
    spot: Type.Boolean(),
    machineKind: MachineKindSchema,
    billsWhileStopped: Type.Boolean(),
    reportsGpuUtilization: Type.Boolean({ description: 'The provider reports GPU utilisation, so idle rules work here' }),
    takesVolumes: Type.Boolean({ description: 'An order with volumeIds can be placed here' }),
    unmapped: Type.Boolean({ description: "Provider type not in gpufleet's series catalog: listed, never dropped" }),
  },
  { $id: 'Offer', description: 'gpufleet: one orderable SKU at one datacenter of one provider account' },
);
export type Offer = Static<typeof OfferSchema>;

const PricedSku = Type.Object({
  skuCode: Type.String(),
  description: Type.String(),
  specs: skuSpecs(),
  pricePerHour: NullableObject(MoneySchema),
  provider: Type.String(),
});

export const InventorySchema = Type.Object(
  {
    series: Type.Array(
      Type.Object({
        id: Uuid(),
        name: Type.String(),
        code: Type.String(),
        description: Type.String(),
        availability: Type.Array(
          Type.Object({
            datacenterId: Uuid(),
            datacenterName: Type.String(),
            datacenterCode: Type.String(),
            gpuCounts: Type.Array(
              Type.Object({
                count: Type.Integer(),
                specs: skuSpecs('The recommended (cheapest available) SKU'),
                pricePerHour: NullableObject(MoneySchema, 'gpufleet: price of the recommended SKU'),
                availableSkus: Type.Array(PricedSku, { description: 'Every orderable SKU, cheapest first' }),
              }),
            ),
          }),
        ),
      }),
    ),
    error: Type.Optional(
      Type.Object(
        { code: Type.Literal('GPU_PROVIDER_UNAVAILABLE'), message: Type.String() },
        { description: 'Set when a provider could not be reached' },
      ),
    ),
    ageSeconds: Type.Number({ description: 'gpufleet: age of the availability data, seconds' }),
  },
  { $id: 'Inventory' },
);
export type Inventory = Static<typeof InventorySchema>;

export const InventoryQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'GPU series code' })),
    datacenterId: Type.Optional(Uuid()),
    count: Type.Optional(IntegerEnum(GPU_COUNTS)),
  },
  { additionalProperties: false },
);
export type InventoryQuery = Static<typeof InventoryQuery>;

const commaList = (description: string, pattern = '^[^,]+(,[^,]+)*$') =>
  Type.String({ maxLength: 500, pattern, description: `${description} (comma-separated)` });

export const OffersQuery = Type.Object(
  {
    seriesCode: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    gpuCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    datacenterId: Type.Optional(Uuid()),
    countries: Type.Optional(commaList('ISO 3166-1 alpha-2 country codes')),
    regions: Type.Optional(commaList('Regions')),
    providers: Type.Optional(commaList('Provider ids to include')),
    excludeProviders: Type.Optional(commaList('Provider ids to exclude')),
    maxPricePerHour: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
    spot: Type.Optional(StringEnum(['allow', 'only', 'exclude'] as const, { description: 'Spot offers (default exclude)' })),
    machineKinds: Type.Optional(commaList('Machine kinds: vm, container', '^(vm|container)(,(vm|container))*$')),
    availableOnly: Type.Optional(Type.Boolean({ description: 'Only offers with capacity now' })),
  },
  { additionalProperties: false },
);

export const OffersResultSchema = Type.Object({
  offers: Type.Array(ref(OfferSchema), { description: 'Ranked: available first, then cheapest' }),
  ageSeconds: Type.Number({ description: 'Age of the offer data, seconds' }),
});
export type OffersResult = Static<typeof OffersResultSchema>;
