import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ProviderLocation } from '../../core/domain/types.ts';
import { ProviderError } from '../../core/provider/errors.ts';

export const PROVIDER_ID = 'fluidstack';
export const DEFAULT_TOKEN_URL = 'https://oauth.fluidstack.io/oauth/token';
export const DEFAULT_AUDIENCE = 'https://api.fluidstack.io';
/** The global Management API (regions); instances live on each region's own API. */
export const DEFAULT_GLOBAL_BASE_URL = 'https://api.atlas.fluidstack.io/api/v1alpha1';

// A pattern rather than `format: 'uuid'`: formats need a registry that not every validator has loaded.
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const credentialsSchema = Type.Object(
  {
    clientId: Type.String({ minLength: 1, description: 'OAuth2 client id of a Fluidstack Atlas API client.' }),
    clientSecret: Type.String({ minLength: 1, description: 'OAuth2 client secret of that client (write-only).' }),
  },
  { additionalProperties: false },
);

const RegionSettings = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Region name as Fluidstack lists it; used as the location code.' }),
    baseUrl: Type.String({
      minLength: 1,
      description: "The region's Infrastructure API root, e.g. https://<region>.atlas.fluidstack.io/api/v1alpha1.",
    }),
    projectId: Type.Optional(
      Type.String({
        pattern: UUID_PATTERN,
        description: 'Project in this region, when it is not the account-wide projectId (Atlas projects are per region).',
      }),
    ),
    displayName: Type.Optional(Type.String({ description: 'Name shown for the location; defaults to country and region.' })),
    country: Type.Optional(Type.String({ description: 'Country of the region, e.g. "United States".' })),
    countryAbbr: Type.Optional(
      Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 code; inferred from a name like us-…' }),
    ),
    geoRegion: Type.Optional(
      Type.String({ description: 'Broad region such as europe, north-america, asia-pacific; inferred when absent.' }),
    ),
  },
  { additionalProperties: false },
);

const PriceSheetEntry = Type.Object(
  {
    instanceType: Type.String({ minLength: 1, description: 'Atlas instance type name, e.g. h100-hgx-80gb.8x.' }),
    pricePerHour: Type.Number({ exclusiveMinimum: 0, description: 'Contract price per VM (not per GPU) per hour.' }),
    currency: Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 currency, e.g. usd.' }),
    region: Type.Optional(Type.String({ description: 'Only in this region; entries without a region apply everywhere.' })),
    preemptible: Type.Optional(
      Type.Boolean({ description: 'Price of preemptible instances of the type (default: the on-demand price).' }),
    ),
  },
  { additionalProperties: false },
);

const FilesystemPriceEntry = Type.Object(
  {
    pricePerGBMonth: Type.Number({
      minimum: 0,
      description: 'Contract price per GB (10^9 bytes) of filesystem size per month; 0 where storage is included.',
    }),
    currency: Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 currency, e.g. usd.' }),
    region: Type.Optional(Type.String({ description: 'Only in this region; an entry without a region applies everywhere.' })),
  },
  { additionalProperties: false },
);

export const settingsSchema = Type.Object(
  {
    projectId: Type.String({
      pattern: UUID_PATTERN,
      description: 'Atlas project id sent as X-PROJECT-ID on instance, capacity and filesystem calls.',
    }),
    regions: Type.Array(RegionSettings, {
      minItems: 1,
      description: 'Regions to use, each with its own API root; instance calls go to the region of the instance.',
    }),
    tokenUrl: Type.Optional(Type.String({ description: `OAuth2 token endpoint; default ${DEFAULT_TOKEN_URL}.` })),
    audience: Type.Optional(Type.String({ description: `OAuth2 audience; default ${DEFAULT_AUDIENCE}.` })),
    priceSheet: Type.Optional(
      Type.Array(PriceSheetEntry, {
        description: 'Contract prices: Atlas publishes none. Offers without an entry are listed with no price.',
      }),
    ),
    filesystemPriceSheet: Type.Optional(
      Type.Array(FilesystemPriceEntry, {
        description:
          'Contract filesystem prices per GB-month: Atlas publishes none. Filesystems of a region without an entry are listed with no price.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type FluidstackSettings = Static<typeof settingsSchema>;
export type PriceSheetEntry = Static<typeof PriceSheetEntry>;
export type FilesystemPriceEntry = Static<typeof FilesystemPriceEntry>;

/** One region resolved from the settings: where to call, with which project, shown as which location. */
export interface RegionConfig {
  name: string;
  baseUrl: string;
  projectId: string;
  location: ProviderLocation;
}

export interface ResolvedSettings {
  projectId: string;
  regions: RegionConfig[];
  tokenUrl: string;
  audience: string;
  priceSheet: PriceSheetEntry[];
  filesystemPriceSheet: FilesystemPriceEntry[];
}

const checkSettings = TypeCompiler.Compile(settingsSchema);

/** Validate an account's settings again at connect (they are stored data) and fill in the defaults. */
export function resolveSettings(settings: Record<string, unknown>): ResolvedSettings {
  if (!checkSettings.Check(settings)) {
    const first = checkSettings.Errors(settings).First();
    throw new ProviderError({
      provider: PROVIDER_ID,
      kind: 'invalid_request',
      field: first?.path || '/',
      message: `invalid account settings: "${first?.path || '/'}" ${first?.message ?? 'is invalid'}`,
    });
  }
  const names = new Set<string>();
  for (const region of settings.regions) {
    if (names.has(region.name)) {
      throw new ProviderError({
        provider: PROVIDER_ID,
        kind: 'invalid_request',
        field: '/regions',
        message: `invalid account settings: region "${region.name}" is listed twice`,
      });
    }
    names.add(region.name);
  }
  return {
    projectId: settings.projectId,
    regions: settings.regions.map((r) => ({
      name: r.name,
      baseUrl: r.baseUrl.replace(/\/+$/, ''),
      projectId: r.projectId ?? settings.projectId,
      location: locationOf(r),
    })),
    tokenUrl: settings.tokenUrl ?? DEFAULT_TOKEN_URL,
    audience: settings.audience ?? DEFAULT_AUDIENCE,
    priceSheet: settings.priceSheet ?? [],
    filesystemPriceSheet: settings.filesystemPriceSheet ?? [],
  };
}

/**
 * Atlas has no location metadata, only region names. Names that start with an ISO country code (`us-…`,
 * `fr-…`) are read as that country; settings can always say it explicitly.
 */
const COUNTRIES: Record<string, { country: string; geoRegion: string }> = {
  US: { country: 'United States', geoRegion: 'north-america' },
  CA: { country: 'Canada', geoRegion: 'north-america' },
  MX: { country: 'Mexico', geoRegion: 'north-america' },
  BR: { country: 'Brazil', geoRegion: 'south-america' },
  GB: { country: 'United Kingdom', geoRegion: 'europe' },
  UK: { country: 'United Kingdom', geoRegion: 'europe' },
  IE: { country: 'Ireland', geoRegion: 'europe' },
  FR: { country: 'France', geoRegion: 'europe' },
  DE: { country: 'Germany', geoRegion: 'europe' },
  NL: { country: 'Netherlands', geoRegion: 'europe' },
  BE: { country: 'Belgium', geoRegion: 'europe' },
  ES: { country: 'Spain', geoRegion: 'europe' },
  IT: { country: 'Italy', geoRegion: 'europe' },
  CH: { country: 'Switzerland', geoRegion: 'europe' },
  AT: { country: 'Austria', geoRegion: 'europe' },
  PL: { country: 'Poland', geoRegion: 'europe' },
  NO: { country: 'Norway', geoRegion: 'europe' },
  SE: { country: 'Sweden', geoRegion: 'europe' },
  FI: { country: 'Finland', geoRegion: 'europe' },
  DK: { country: 'Denmark', geoRegion: 'europe' },
  IS: { country: 'Iceland', geoRegion: 'europe' },
  JP: { country: 'Japan', geoRegion: 'asia-pacific' },
  KR: { country: 'South Korea', geoRegion: 'asia-pacific' },
  SG: { country: 'Singapore', geoRegion: 'asia-pacific' },
  AU: { country: 'Australia', geoRegion: 'asia-pacific' },
  IN: { country: 'India', geoRegion: 'asia-pacific' },
  AE: { country: 'United Arab Emirates', geoRegion: 'middle-east' },
  SA: { country: 'Saudi Arabia', geoRegion: 'middle-east' },
  IL: { country: 'Israel', geoRegion: 'middle-east' },
};

function locationOf(region: Static<typeof RegionSettings>): ProviderLocation {
  const prefix = /^([a-z]{2})(?:[-_.]|$)/i.exec(region.name)?.[1]?.toUpperCase();
  const known = prefix ? COUNTRIES[prefix] : undefined;
  // `UK` is a common spelling in names, `GB` the ISO code.
  const inferredAbbr = known ? (prefix === 'UK' ? 'GB' : prefix) : undefined;
  const countryAbbr = (region.countryAbbr ?? inferredAbbr ?? 'ZZ').toUpperCase();
  const country = region.country ?? known?.country ?? 'Unknown';
  return {
    code: region.name,
    name: region.displayName ?? (known || region.country ? `${country} (${region.name})` : region.name),
    country,
    countryAbbr,
    region: region.geoRegion ?? known?.geoRegion ?? 'unknown',
  };
}
