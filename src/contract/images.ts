import { type Static, Type } from '@sinclair/typebox';
import { ListQuery, Uuid } from './common.ts';
import { MachineKindSchema } from './gpu-vm.ts';

/** Images have no creation time: GPCN's default `createdAt` keeps catalog order (portable names first). */
export const IMAGE_SORTABLE = ['createdAt', 'name'] as const;

export const ImageSchema = Type.Object(
  {
    id: Uuid('Stable across restarts: derived from the name'),
    name: Type.String({ description: 'What `imageName` takes, e.g. ubuntu-24.04' }),
    description: Type.String(),
    providers: Type.Array(Type.String(), { description: 'Provider ids that can boot it' }),
    machineKinds: Type.Array(MachineKindSchema),
    jupyter: Type.Boolean({ description: 'A VM of this image shows a jupyterUrl' }),
  },
  { $id: 'Image', description: 'An OS image an order can name' },
);
export type ImageInfo = Static<typeof ImageSchema>;

export const ImageListQuery = ListQuery(IMAGE_SORTABLE, {});
