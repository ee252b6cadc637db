import type { GpuInterconnect, GpuSpec, Money, ProviderLocation } from '../../core/domain/types.ts';
import type { ProviderOffer } from '../../core/provider/provider.ts';
import type { Availability, InstanceType, Location } from './wire.ts';

/**
 * Size of the OS volume gpufleet creates with each Verda instance. Verda's storage is "dynamic" (chosen at
 * create); its own default is 50 GB, too small for CUDA images plus models.
 */
export const OS_VOLUME_GB = 100;

/**
 * Canonical GPU names, most specific first (`GB200` before `B200`, `RTX PRO 6000` and `RTX 6000 Ada`
 * before `A6000`).
 */
const GPU_MODELS: readonly [RegExp, string][] = [
  [/GB200/i, 'GB200'],
  [/B300/i, 'B300'],
  [/B200/i, 'B200'],
  [/GH200/i, 'GH200'],
  [/H200/i, 'H200'],
  [/H100/i, 'H100'],
  [/A100/i, 'A100'],
  [/L40S/i, 'L40S'],
  [/RTX\s*PRO\s*6000/i, 'RTX PRO 6000'],
  [/6000\s*ADA/i, 'RTX 6000 Ada'],
  [/A6000/i, 'RTX A6000'],
  [/4090/i, 'RTX 4090'],
  [/\bA40\b/i, 'A40'],
  [/\bL4\b/i, 'L4'],
  [/V100/i, 'V100'],
  [/MI300X/i, 'MI300X'],
  [/MI250X?/i, 'MI250X'],
];

/** Cards that only come as PCIe boards, whatever the type name says. */
const PCIE_ONLY = new Set(['L40S', 'RTX PRO 6000', 'RTX 6000 Ada', 'RTX A6000', 'RTX 4090', 'A40', 'L4']);

export function canonicalGpuModel(model: string, name: string): string {
  for (const [pattern, canonical] of GPU_MODELS) {
    if (pattern.test(model) || pattern.test(name)) return canonical;
  }
  return model.trim() || name.trim();
}

/** From the GPU name (`H100 SXM5 80GB`) and the type name (`1H100.80S.30V`: `S` marks SXM). */
export function gpuInterconnect(canonical: string, name: string, instanceType: string): GpuInterconnect | null {
  if (/SXM/i.test(name)) return 'SXM';
  if (/NVLink/i.test(name)) return 'NVLink';
  if (/PCIe/i.test(name) || PCIE_ONLY.has(canonical)) return 'PCIe';
  if (/\.\d+S\./.test(instanceType)) return 'SXM';
  return null;
}

export function gpuSpecOf(type: InstanceType): GpuSpec {
  const count = type.gpu.number_of_gpus;
  const model = canonicalGpuModel(type.model, type.name);
  const vendor = /nvidia/i.test(type.manufacturer) ? 'NVIDIA' : /amd/i.test(type.manufacturer) ? 'AMD' : 'Other';
  return {
    model,
    vendor,
    // Verda gives the total across the type's GPUs.
    memoryGiB: count > 0 ? Math.round(type.gpu_memory.size_in_gigabytes / count) : 0,
    count,
    interconnect: gpuInterconnect(model, type.name, type.instance_type),
  };
}

const REGION_BY_COUNTRY: Readonly<Record<string, string>> = {
  US: 'north-america',
  CA: 'north-america',
  MX: 'north-america',
  BR: 'south-america',
  JP: 'asia-pacific',
  KR: 'asia-pacific',
  SG: 'asia-pacific',
  IN: 'asia-pacific',
  AU: 'asia-pacific',
  TW: 'asia-pacific',
  IL: 'middle-east',
  AE: 'middle-east',
  SA: 'middle-east',
};

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** `FIN-01` "Finland 1" `FI` → a gpufleet location. Verda's sites are in Europe unless the country says otherwise. */
export function locationOf(location: Location): ProviderLocation {
  const countryAbbr = location.country_code.trim().toUpperCase();
  let country = countryAbbr;
  try {
    country = countryNames.of(countryAbbr) ?? countryAbbr;
  } catch {
    // Not an ISO code: keep it as given.
  }
  return {
    code: location.code,
    name: location.name,
    country,
    countryAbbr,
    region: REGION_BY_COUNTRY[countryAbbr] ?? 'europe',
  };
}

/** A string price as Money; zero means "no price" (a type without a spot price says `"0"` or nothing). */
export function priceOf(value: string | null | undefined, currency: string): Money | null {
  if (value === null || value === undefined) return null;
  const amount = Number(value);
  return Number.isFinite(amount) && amount > 0 ? { amount, currency } : null;
}

export interface OfferInputs {
  types: InstanceType[];
  locations: Location[];
  onDemand: Availability[];
  spot: Availability[];
}

/**
 * Every GPU type × location × (on-demand, spot) with its price per instance-hour. Types carry no location
 * on Verda, so each type is offered in every location, available where that location's availability list
 * names it. Spot availability comes from its own query: taking on-demand availability for spot offers is
 * a known bug elsewhere.
 */
export function buildOffers(inputs: OfferInputs): ProviderOffer[] {
  const availableIn = (lists: Availability[]) =>
    new Map(lists.map((entry) => [entry.location_code, new Set(entry.availabilities)] as const));
  const onDemand = availableIn(inputs.onDemand);
  const spot = availableIn(inputs.spot);
  const offers: ProviderOffer[] = [];
  for (const type of inputs.types) {
    // CPU-only types are not GPU VMs.
    if (type.gpu.number_of_gpus <= 0) continue;
    const gpu = gpuSpecOf(type);
    const variants = [
      { isSpot: false, price: priceOf(type.price_per_hour, type.currency), availability: onDemand },
      { isSpot: true, price: priceOf(type.spot_price, type.currency), availability: spot },
    ];
    for (const location of inputs.locations) {
      for (const variant of variants) {
        // A type without a spot price cannot be ordered as spot.
        if (variant.isSpot && !variant.price) continue;
        offers.push({
          providerSkuId: type.instance_type,
          providerSkuName: type.instance_type,
          location: locationOf(location),
          gpu,
          vcpu: type.cpu.number_of_cores,
          ramGiB: type.memory.size_in_gigabytes,
          diskGB: type.storage.size_in_gigabytes ?? OS_VOLUME_GB,
          pricePerHour: variant.price,
          spot: variant.isSpot,
          available: variant.availability.get(location.code)?.has(type.instance_type) ?? false,
          machineKind: 'vm',
          description: type.display_name ?? `${gpu.count}x ${type.name}`,
        });
      }
    }
  }
  return offers;
}
