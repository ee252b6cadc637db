import type { ProviderLocation } from '../../core/domain/types.ts';

/**
 * RunPod data center ids follow `<area>-<country>-<n>` (`EU-RO-1`, `EUR-IS-1`, `AP-JP-1`), except North
 * America where the first part is the country itself (`US-TX-3`, `CA-MTL-1`). The `location` text is read
 * only when the id does not follow that pattern.
 */
const AREA_REGIONS: Record<string, string> = {
  EU: 'europe',
  EUR: 'europe',
  US: 'north-america',
  CA: 'north-america',
  NA: 'north-america',
  AP: 'asia-pacific',
  SEA: 'asia-pacific',
  OC: 'asia-pacific',
  SA: 'south-america',
  ME: 'middle-east',
  AF: 'africa',
};

const COUNTRY_FIRST = new Set(['US', 'CA']);

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** Country names back to ISO codes, for `location` texts such as "Romania". */
let codesByName: Map<string, string> | null = null;
function codeForCountryName(name: string): string | undefined {
  if (!codesByName) {
    codesByName = new Map();
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    for (const a of letters) {
      for (const b of letters) {
        const code = a + b;
        const display = safeRegionName(code);
        if (display && display !== code) codesByName.set(display.toLowerCase(), code);
      }
    }
  }
  return codesByName.get(name.trim().toLowerCase());
}

function safeRegionName(code: string): string | undefined {
  try {
    return regionNames.of(code);
  } catch {
    return undefined;
  }
}

export interface DataCenterNames {
  id: string;
  name: string | null;
  location: string | null;
}

export function locationOf(dc: DataCenterNames): ProviderLocation {
  const parts = dc.id.toUpperCase().split('-');
  const area = parts[0] ?? '';
  let countryAbbr: string | undefined;
  if (COUNTRY_FIRST.has(area)) countryAbbr = area;
  else if (parts.length >= 3 && /^[A-Z]{2}$/.test(parts[1] ?? '')) countryAbbr = parts[1];
  else if (dc.location) countryAbbr = codeForCountryName(dc.location.split(',').pop() ?? dc.location);
  // `ZZ` is ISO 3166's code for an unknown country: better than a guess.
  const abbr = countryAbbr ?? 'ZZ';
  const country = abbr === 'ZZ' ? (dc.location ?? 'Unknown') : (safeRegionName(abbr) ?? abbr);
  const place = dc.location?.trim() || country;
  return {
    code: dc.id,
    name: dc.name && dc.name !== dc.id ? dc.name : `${dc.id} (${place})`,
    country,
    countryAbbr: abbr,
    region: AREA_REGIONS[area] ?? regionOfCountry(abbr),
  };
}

const EUROPE = new Set([
  'RO',
  'SE',
  'CZ',
  'NL',
  'FR',
  'IS',
  'NO',
  'DE',
  'GB',
  'FI',
  'PL',
  'ES',
  'IT',
  'BE',
  'CH',
  'AT',
  'DK',
  'IE',
  'PT',
]);
const ASIA_PACIFIC = new Set(['JP', 'SG', 'AU', 'KR', 'IN', 'TW', 'HK', 'NZ']);

function regionOfCountry(abbr: string): string {
  if (EUROPE.has(abbr)) return 'europe';
  if (ASIA_PACIFIC.has(abbr)) return 'asia-pacific';
  if (abbr === 'US' || abbr === 'CA' || abbr === 'MX') return 'north-america';
  return 'other';
}
