import type { Money } from '../../core/domain/types.ts';
import { ProviderError } from '../../core/provider/errors.ts';
import type { ProviderVolume } from '../../core/provider/provider.ts';
import { filesystemSizeGB } from './quantity.ts';
import { type FilesystemPriceEntry, PROVIDER_ID, type RegionConfig } from './settings.ts';
import type { Filesystem, Instance } from './wire.ts';

/**
 * Atlas's one kind of storage: a filesystem, shared into the VM over virtio-fs. The document has no type field;
 * gpufleet names the one type after what the `Filesystem` schema calls itself.
 */
export const FILESYSTEM_TYPE = 'virtio-fs';

/** The longest filesystem name gpufleet writes (the RFC 1123 label it keeps to, see `FILESYSTEM_NAME_PATTERN`). */
const MAX_NAME = 63;
/** Between the human part and the gpufleet id of a name. */
const TAG_MARK = '-gf-';
const GPUFLEET_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TAGGED_NAME = /^(.+)-gf-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** The human part when the name given has nothing usable. */
const FALLBACK_NAME = 'volume';

/**
 * The Atlas name of a gpufleet filesystem. A filesystem has only `{id, name, size}`, no tags, so the gpufleet id
 * rides in the name: `<human>-gf-<gpufleet uuid>`, e.g. `training-data-gf-0b6c…`. The human part is the given
 * name made a label (lower case, `[a-z0-9-]`), cut to the 23 characters left beside the 40 of the tag.
 */
export function filesystemNameOf(name: string, gpufleetId: string): string {
  if (!GPUFLEET_UUID.test(gpufleetId)) {
    throw new ProviderError({
      provider: PROVIDER_ID,
      kind: 'invalid_request',
      message: `a Fluidstack filesystem carries its gpufleet id in its name, which takes a lower case UUID, not "${gpufleetId}"`,
    });
  }
  const room = MAX_NAME - TAG_MARK.length - gpufleetId.length;
  const human =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-+/, '')
      .slice(0, room)
      .replace(/-+$/, '') || FALLBACK_NAME;
  return `${human}${TAG_MARK}${gpufleetId}`;
}

/** The gpufleet id and human name read back from an Atlas filesystem name; a name without the tag is not ours. */
export function filesystemTagOf(atlasName: string): { gpufleetId: string | null; name: string } {
  const tagged = TAGGED_NAME.exec(atlasName);
  return tagged?.[1] && tagged[2] ? { gpufleetId: tagged[2], name: tagged[1] } : { gpufleetId: null, name: atlasName };
}

/** The price per GB-month from the account's filesystem price sheet: a region's own entry beats a general one. */
export function filesystemPriceOf(sheet: FilesystemPriceEntry[], region: string): Money | null {
  const best = sheet.find((e) => e.region === region) ?? sheet.find((e) => e.region === undefined);
  return best ? { amount: best.pricePerGBMonth, currency: best.currency.toLowerCase() } : null;
}

/** Instance ids per filesystem id, from the `filesystems` arrays of a region's instances. */
export function mountsOf(instances: Instance[]): Map<string, string[]> {
  const mounts = new Map<string, string[]>();
  for (const instance of instances) {
    for (const fsId of new Set(instance.filesystems ?? [])) {
      const users = mounts.get(fsId);
      if (users) users.push(instance.id);
      else mounts.set(fsId, [instance.id]);
    }
  }
  return mounts;
}

/**
 * A filesystem as a gpufleet volume. Atlas reports no filesystem state: a listed filesystem is usable, so it is
 * `Attached` while an instance of its region names it in `filesystems` and `Available` otherwise;
 * `providerStatus` says which of the two it was read from (`mounted` or `listed`), since Atlas has no word of its own.
 */
export function volumeOf(
  wire: Filesystem,
  ctx: { region: RegionConfig; mountedBy: string[]; sheet: FilesystemPriceEntry[] },
): ProviderVolume {
  const sizeGB = filesystemSizeGB(wire.size);
  if (sizeGB === null) {
    // The schema's pattern lets only quantities through; this guards the two from drifting apart.
    throw new ProviderError({
      provider: PROVIDER_ID,
      kind: 'bad_response',
      field: '/size',
      message: `unexpected filesystem size "${wire.size}" in region ${ctx.region.name}`,
    });
  }
  const tag = filesystemTagOf(wire.name);
  const attached = ctx.mountedBy.length > 0;
  return {
    providerVolumeId: wire.id,
    gpufleetId: tag.gpufleetId,
    name: tag.name,
    locationCode: ctx.region.name,
    sizeGB,
    type: FILESYSTEM_TYPE,
    status: attached ? 'Attached' : 'Available',
    providerStatus: attached ? 'mounted' : 'listed',
    attachedInstanceIds: [...ctx.mountedBy],
    pricePerGBMonth: filesystemPriceOf(ctx.sheet, ctx.region.name),
    // Atlas keeps no creation time for a filesystem.
    createdAt: null,
  };
}
