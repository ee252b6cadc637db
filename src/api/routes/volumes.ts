import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Created, Envelope, PagedEnvelope, ref } from '../../contract/common.ts';
import {
  AttachVolumeBody,
  CreateVolumeBody,
  UnmanagedVolumeSchema,
  UpdateVolumeBody,
  VOLUME_SORTABLE,
  VolumeListQuery,
  VolumeOptionSchema,
  VolumeSchema,
} from '../../contract/volumes.ts';
import type { Services } from '../../services/types.ts';
import { toListQuery } from '../list-query.ts';
import { callContext, MANAGERS } from '../plugins/auth.ts';
import { ok, paged } from '../plugins/envelope.ts';
import { errorResponses, IdParams, VmVolumeParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['Volumes'];
const VolumeRef = ref(VolumeSchema);
const Accepted = (data: typeof VolumeRef) =>
  Envelope(data, 'Accepted: the provider is working on it; GET the volume to follow its status');

export function volumeRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  const manage = { config: { roles: MANAGERS } };

  api.get(
    '/v1/resource/volumes',
    {
      schema: {
        tags,
        summary: 'List volumes',
        description: 'Volumes the provider confirmed deleted are left out unless `includeDeleted=true`.',
        querystring: VolumeListQuery,
        response: { 200: PagedEnvelope(VolumeRef), ...errorResponses },
      },
    },
    async (request) => {
      const { datacenterId, provider, includeDeleted, ...list } = request.query;
      return paged(
        'Volumes retrieved successfully',
        await services.volumes.list({
          ...toListQuery(list, VOLUME_SORTABLE),
          ...(datacenterId ? { datacenterId } : {}),
          ...(provider ? { provider } : {}),
          ...(includeDeleted ? { includeDeleted } : {}),
        }),
      );
    },
  );

  api.get(
    '/v1/resource/volumes/options',
    {
      schema: {
        tags,
        summary: 'Where volumes can be created',
        description: 'One entry per datacenter whose provider offers volumes: types, sizes and what the volumes can do.',
        response: { 200: Envelope(Type.Array(ref(VolumeOptionSchema))), ...errorResponses },
      },
    },
    async () => ok('Volume options retrieved successfully', await services.volumes.options()),
  );

  api.get(
    '/v1/resource/volumes/unmanaged',
    {
      schema: {
        tags,
        summary: 'Volumes gpufleet does not manage',
        description: 'Listed by a provider account but not created by gpufleet (or no longer tracked): they may be billing.',
        response: { 200: Envelope(Type.Array(UnmanagedVolumeSchema)), ...errorResponses },
      },
    },
    async () => ok('Unmanaged volumes retrieved successfully', await services.volumes.unmanaged()),
  );

  api.get(
    '/v1/resource/volumes/:id',
    { schema: { tags, summary: 'Get a volume', params: IdParams, response: { 200: Envelope(VolumeRef), ...errorResponses } } },
    async (request) => ok('Volume retrieved successfully', await services.volumes.get(request.params.id)),
  );

  api.post(
    '/v1/resource/volumes',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Create a volume',
        description:
          'Recorded first, then created at the provider of `datacenterId` (status `Creating` until the provider says it is ready). A VM ordered with it is placed in its datacenter.',
        body: CreateVolumeBody,
        response: { 201: Created(VolumeRef), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(ok('Volume created successfully', await services.volumes.create(request.body, callContext(request)))),
  );

  api.put(
    '/v1/resource/volumes/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Rename or grow a volume',
        description: 'Growing needs a provider that resizes (see /v1/resource/volumes/options); volumes never shrink.',
        params: IdParams,
        body: UpdateVolumeBody,
        response: { 200: Envelope(VolumeRef), ...errorResponses },
      },
    },
    async (request) => ok('Volume updated successfully', await services.volumes.update(request.params.id, request.body)),
  );

  api.delete(
    '/v1/resource/volumes/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Delete a volume and its data',
        description:
          'Refused (409 VOLUME_ATTACHED) while a VM uses it. The volume reads `Deleting` until the provider confirms it is gone, then `Deleted`.',
        params: IdParams,
        response: { 202: Accepted(VolumeRef), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(202).send(ok('Volume deletion initiated', await services.volumes.remove(request.params.id))),
  );

  api.post(
    '/v1/resource/gpu/:id/volumes',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Attach a volume to a GPU VM',
        description:
          'Where the provider attaches volumes to existing machines (see /v1/resource/volumes/options); the volume must be in the VM’s datacenter. Otherwise order a VM with `volumeIds`.',
        params: IdParams,
        body: AttachVolumeBody,
        response: { 202: Accepted(VolumeRef), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(ok('Volume attachment initiated', await services.volumes.attach(request.params.id, request.body.volumeId))),
  );

  api.delete(
    '/v1/resource/gpu/:id/volumes/:volumeId',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Detach a volume from a GPU VM',
        description: 'The volume and its data are kept.',
        params: VmVolumeParams,
        response: { 202: Accepted(VolumeRef), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(ok('Volume detachment initiated', await services.volumes.detach(request.params.id, request.params.volumeId))),
  );
}
