import type { ProviderImage, ProviderInstance } from '../../core/provider/provider.ts';
import { OS_VOLUME_GB } from './offers.ts';
import type { VerdaStatusMapper } from './status.ts';
import type { Image, Instance } from './wire.ts';

/** Verda's Ubuntu images log in as root on port 22 (SDKs, CLI and other adapters agree). */
export const VERDA_SSH_USER = 'root';
export const VERDA_SSH_PORT = 22;

const TAG_PREFIX = 'gpufleet:';
const TAG_PATTERN = /(?:^|\s)gpufleet:([A-Za-z0-9-]{1,64})(?=\s|$)/;

/**
 * The gpufleet VM id goes into the instance `description`: Verda instances have no tags in the documented
 * API (only the Go SDK knows a `tags` field), and the description is required on create anyway.
 */
export function gpufleetTag(gpufleetId: string): string {
  return `${TAG_PREFIX}${gpufleetId}`;
}

export function readGpufleetTag(description: string | null | undefined): string | null {
  return description ? (TAG_PATTERN.exec(description)?.[1] ?? null) : null;
}

/** A valid hostname from a free-form name: lower-case letters, digits and hyphens, at most 60 characters. */
export function hostnameFrom(name: string, gpufleetId: string): string {
  const hostname = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return hostname || `gpufleet-${gpufleetId.slice(0, 8).toLowerCase()}`;
}

function cudaVersion(imageType: string): number {
  const match = /cuda-(\d+)\.(\d+)/.exec(imageType);
  return match ? Number(match[1]) * 1000 + Number(match[2]) : 0;
}

/**
 * gpufleet image name → Verda image type, from the images Verda lists for the instance type (the list
 * differs per type: the new "open" CUDA images do not boot on V100 or A6000). gpufleet's `ubuntu-24.04`
 * means a GPU-ready Ubuntu, so the newest CUDA docker image of that release wins over Verda's bare
 * `ubuntu-24.04`, which is a minimal image without NVIDIA drivers; `ubuntu-24.04-cuda` takes only a CUDA
 * image. Any other name (e.g. `jupyter`, or a Verda image type given as is) must be listed exactly.
 */
export function chooseVerdaImage(requested: string, images: Image[]): string | null {
  const types = images.map((image) => image.image_type);
  const portable = /^(ubuntu-\d{2}\.\d{2})(-cuda)?$/.exec(requested);
  if (portable) {
    const release = portable[1] as string;
    const cuda = types
      .filter((type) => type.startsWith(`${release}-cuda-`) && type.endsWith('-docker'))
      .sort((a, b) => cudaVersion(b) - cudaVersion(a) || a.localeCompare(b));
    if (cuda[0]) return cuda[0];
    if (portable[2]) return null;
  }
  return types.includes(requested) ? requested : null;
}

/** A catalog image as gpufleet lists it: ordered by its `image_type`; the `jupyter` category serves Jupyter. */
export function imageOfCatalog(image: Image): ProviderImage {
  const details = image.details && image.details.length > 0 ? ` (${image.details.join(', ')})` : '';
  return {
    name: image.image_type,
    description: `${image.name}${details}`,
    jupyter: image.category === 'jupyter' || /^jupyter/.test(image.image_type),
  };
}

/**
 * Verda exposes only `jupyter_token` (and a `jupyter` image); no URL or port is documented anywhere.
 * Unverified assumption: JupyterLab listens on the instance IP, port 8888, with that token. Only offered
 * for the `jupyter` image, where it is expected to run at all.
 */
export function jupyterUrlOf(
  image: string | null | undefined,
  ip: string | null,
  token: string | null | undefined,
): string | null {
  if (!ip || !token || !image || !/^jupyter/.test(image)) return null;
  return `http://${ip}:8888/lab?token=${encodeURIComponent(token)}`;
}

export interface InstanceContext {
  startedByUs: boolean;
  deletedByUs: boolean;
  /** The project's currency (instances carry a numeric price without one). */
  currency: string;
}

/** A Verda instance in gpufleet's terms. */
export function toProviderInstance(wire: Instance, statuses: VerdaStatusMapper, context: InstanceContext): ProviderInstance {
  const { status, statusReason } = statuses.map(wire.status, {
    startedByUs: context.startedByUs,
    deletedByUs: context.deletedByUs,
    spot: wire.is_spot,
  });
  // Seen as a list in the wild; null until provisioned. A destroyed instance has no address worth showing.
  const rawIp = Array.isArray(wire.ip) ? (wire.ip[0] ?? null) : (wire.ip ?? null);
  const ip = status === 'Destroyed' || !rawIp ? null : rawIp;
  const gpufleetId = readGpufleetTag(wire.description);
  const price = Number(wire.price_per_hour);
  return {
    providerInstanceId: wire.id,
    gpufleetId,
    name: wire.hostname,
    status,
    providerStatus: wire.status,
    statusReason,
    ip,
    ipIsPrivate: false,
    sshPort: VERDA_SSH_PORT,
    username: VERDA_SSH_USER,
    jupyterUrl: status === 'Running' ? jupyterUrlOf(wire.image, ip, wire.jupyter_token) : null,
    providerSkuId: wire.instance_type,
    locationCode: wire.location,
    gpuCount: wire.gpu.number_of_gpus,
    vcpu: wire.cpu?.number_of_cores ?? null,
    ramGiB: wire.memory?.size_in_gigabytes ?? null,
    // Storage is "dynamic" on most types; ours were created with a known OS volume size.
    diskGB: wire.storage?.size_in_gigabytes ?? (gpufleetId ? OS_VOLUME_GB : null),
    pricePerHour: Number.isFinite(price) && price > 0 ? { amount: price, currency: context.currency } : null,
    spot: wire.is_spot,
    image: wire.image ?? null,
    createdAt: wire.created_at ?? null,
  };
}
