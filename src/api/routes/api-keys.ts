import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ApiKeySchema, ApiKeyWithSecretSchema, CreateApiKeyBody } from '../../contract/api-keys.ts';
import { Created, DeletedEnvelope, Envelope, ref } from '../../contract/common.ts';
import type { Services } from '../../services/types.ts';
import { ADMINS } from '../plugins/auth.ts';
import { ok } from '../plugins/envelope.ts';
import { errorResponses, IdParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['API keys'];
const Key = ref(ApiKeySchema);
const KeyWithSecret = Envelope(ref(ApiKeyWithSecretSchema));

export function apiKeyRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  // Every API key route is for administrators, reads included: key names and roles map the organisation.
  const admin = { config: { roles: ADMINS } };

  api.get(
    '/v1/api-keys',
    { ...admin, schema: { tags, summary: 'List API keys', response: { 200: Envelope(Type.Array(Key)), ...errorResponses } } },
    async () => ok('API keys retrieved successfully', await services.apiKeys.list()),
  );

  api.post(
    '/v1/api-keys',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Create an API key',
        description: 'The key is in this answer only: save it now.',
        body: CreateApiKeyBody,
        response: { 201: Created(ref(ApiKeyWithSecretSchema)), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(ok('API key created: save it now, it is not shown again', await services.apiKeys.create(request.body))),
  );

  api.post(
    '/v1/api-keys/:id/rotate',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Rotate an API key',
        description: 'Issues a new secret; the old one stops working at once.',
        params: IdParams,
        response: { 200: KeyWithSecret, ...errorResponses },
      },
    },
    async (request) =>
      ok('API key rotated: save the new key now, it is not shown again', await services.apiKeys.rotate(request.params.id)),
  );

  api.post(
    '/v1/api-keys/:id/suspend',
    {
      ...admin,
      schema: { tags, summary: 'Suspend an API key', params: IdParams, response: { 200: Envelope(Key), ...errorResponses } },
    },
    async (request) => ok('API key suspended', await services.apiKeys.setSuspended(request.params.id, true)),
  );

  api.post(
    '/v1/api-keys/:id/unsuspend',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Reactivate a suspended API key',
        params: IdParams,
        response: { 200: Envelope(Key), ...errorResponses },
      },
    },
    async (request) => ok('API key reactivated', await services.apiKeys.setSuspended(request.params.id, false)),
  );

  api.delete(
    '/v1/api-keys/:id',
    {
      ...admin,
      schema: { tags, summary: 'Delete an API key', params: IdParams, response: { 200: DeletedEnvelope, ...errorResponses } },
    },
    async (request) => {
      await services.apiKeys.remove(request.params.id);
      return ok('API key deleted successfully', null);
    },
  );
}
