import type { FastifyInstance } from 'fastify';
import { Created, DeletedEnvelope, Envelope, PagedEnvelope, ref } from '../../contract/common.ts';
import {
  CreateResourceGroupBody,
  RESOURCE_GROUP_SORTABLE,
  ResourceGroupListQuery,
  ResourceGroupSchema,
  UpdateResourceGroupBody,
} from '../../contract/resource-groups.ts';
import type { Services } from '../../services/types.ts';
import { toListQuery } from '../list-query.ts';
import { MANAGERS } from '../plugins/auth.ts';
import { ok, paged } from '../plugins/envelope.ts';
import { errorResponses, IdParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['Resource groups'];
const Group = ref(ResourceGroupSchema);

export function resourceGroupRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  const manage = { config: { roles: MANAGERS } };

  api.get(
    '/v1/resource-groups',
    {
      schema: {
        tags,
        summary: 'List resource groups',
        querystring: ResourceGroupListQuery,
        response: { 200: PagedEnvelope(Group), ...errorResponses },
      },
    },
    async (request) =>
      paged(
        'Resource groups retrieved successfully',
        await services.resourceGroups.list(toListQuery(request.query, RESOURCE_GROUP_SORTABLE)),
      ),
  );

  api.post(
    '/v1/resource-groups',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Create a resource group',
        body: CreateResourceGroupBody,
        response: { 201: Created(Group), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(ok('Resource group created successfully', await services.resourceGroups.create(request.body))),
  );

  api.get(
    '/v1/resource-groups/:id',
    {
      schema: { tags, summary: 'Get a resource group', params: IdParams, response: { 200: Envelope(Group), ...errorResponses } },
    },
    async (request) => ok('Resource group retrieved successfully', await services.resourceGroups.get(request.params.id)),
  );

  api.put(
    '/v1/resource-groups/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Update a resource group',
        description: 'Rename, describe, or set/remove the budget (`budget: null`).',
        params: IdParams,
        body: UpdateResourceGroupBody,
        response: { 200: Envelope(Group), ...errorResponses },
      },
    },
    async (request) =>
      ok('Resource group updated successfully', await services.resourceGroups.update(request.params.id, request.body)),
  );

  api.delete(
    '/v1/resource-groups/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Delete a resource group',
        description: 'Refused (409) while VMs that are not destroyed belong to it.',
        params: IdParams,
        response: { 200: DeletedEnvelope, ...errorResponses },
      },
    },
    async (request) => {
      await services.resourceGroups.remove(request.params.id);
      return ok('Resource group deleted successfully', null);
    },
  );
}
