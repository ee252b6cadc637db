import { stableUuid } from '../../catalog/ids.ts';
import { DEFAULT_IMAGE, PORTABLE_IMAGES } from '../../catalog/images.ts';
import type { ImageInfo } from '../../contract/images.ts';
import type { MachineKind } from '../../core/domain/types.ts';
import type { PortableImageSupport, ProviderImage } from '../../core/provider/provider.ts';
import { pageMeta } from '../pagination.ts';
import type { ImageService, ListQuery, Page } from '../types.ts';

/** What one provider with an account can boot: its declared portable names and its own catalog. */
export interface ProviderImages {
  provider: string;
  machineKind: MachineKind;
  portable: readonly PortableImageSupport[];
  listed: ProviderImage[];
}

/** Answers from memory (the runtime caches provider listings), never a provider call per request. */
export type ImageSource = () => Promise<ProviderImages[]>;

/** Every image an order can name: portable names first (default first), then provider catalog images by name. */
export class ImageServiceImpl implements ImageService {
  constructor(private readonly source: ImageSource) {}

  async all(): Promise<ImageInfo[]> {
    const providers = await this.source();
    const byName = new Map<string, ImageInfo>();
    const add = (name: string, description: string, jupyter: boolean, p: ProviderImages) => {
      const entry = byName.get(name) ?? {
        id: stableUuid(`image:${name}`),
        name,
        description,
        providers: [],
        machineKinds: [],
        jupyter,
      };
      if (!entry.providers.includes(p.provider)) entry.providers.push(p.provider);
      if (!entry.machineKinds.includes(p.machineKind)) entry.machineKinds.push(p.machineKind);
      byName.set(name, entry);
    };
    for (const image of PORTABLE_IMAGES)
      for (const p of providers)
        if (p.portable.some((s) => s.name === image.name)) add(image.name, image.description, image.jupyter, p);
    const listed = providers
      .flatMap((p) => p.listed.map((image) => ({ image, p })))
      .sort((a, b) => a.image.name.localeCompare(b.image.name));
    // A provider image under a portable name (Verda's bare `ubuntu-24.04`) does not join it: the portable meaning wins.
    for (const { image, p } of listed)
      if (!PORTABLE_IMAGES.some((i) => i.name === image.name)) add(image.name, image.description, image.jupyter, p);
    return [...byName.values()];
  }

  async list(query: ListQuery): Promise<Page<ImageInfo>> {
    const text = query.search?.toLowerCase();
    const items = (await this.all()).filter((i) => !text || i.name.toLowerCase().includes(text));
    const byName = query.sort.find((s) => s.field === 'name');
    if (byName) items.sort((a, b) => a.name.localeCompare(b.name) * (byName.direction === 'asc' ? 1 : -1));
    const start = (query.page - 1) * query.limit;
    return { items: items.slice(start, start + query.limit), meta: pageMeta(items.length, query.page, query.limit) };
  }

  /** The image an order names: `imageName` wins over `imageId` (GPCN); neither means the default. Null when unknown. */
  async resolve(imageName: string | undefined, imageId: string | undefined): Promise<ImageInfo | { unknown: string }> {
    const all = await this.all();
    const wanted = imageName ?? (imageId ? undefined : DEFAULT_IMAGE);
    const found = wanted !== undefined ? all.find((i) => i.name === wanted) : all.find((i) => i.id === imageId);
    return found ?? { unknown: wanted ?? (imageId as string) };
  }
}
