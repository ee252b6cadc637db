import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Created, DeletedEnvelope, Envelope, ref } from '../../contract/common.ts';
import {
  CreateProviderAccountBody,
  ProjectSchema,
  ProviderAccountSchema,
  ProviderDefinitionSchema,
  UnmanagedInstanceSchema,
  UpdateProviderAccountBody,
} from '../../contract/provider-accounts.ts';
import type { Services } from '../../services/types.ts';
import { ADMINS } from '../plugins/auth.ts';
import { ok } from '../plugins/envelope.ts';
import { errorResponses, IdParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['Provider accounts'];
const Account = ref(ProviderAccountSchema);

/** Upstream cloud accounts. Credentials go in, never out: no response schema has a place for them. */
export function providerAccountRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  const admin = { config: { roles: ADMINS } };

  api.get(
    '/v1/provider-accounts',
    { schema: { tags, summary: 'List provider accounts', response: { 200: Envelope(Type.Array(Account)), ...errorResponses } } },
    async () => ok('Provider accounts retrieved successfully', await services.accounts.list()),
  );

  api.get(
    '/v1/provider-accounts/providers',
    {
      schema: {
        tags,
        summary: 'Supported providers',
        description: 'Each provider with its capabilities and the JSON schemas of its credentials and settings.',
        response: { 200: Envelope(Type.Array(ProviderDefinitionSchema)), ...errorResponses },
      },
    },
    async () => ok('Providers retrieved successfully', await services.accounts.providers()),
  );

  api.get(
    '/v1/provider-accounts/unmanaged-instances',
    {
      schema: {
        tags,
        summary: 'Instances gpufleet does not manage',
        description: 'Found at the providers but not created, or no longer tracked, by gpufleet.',
        response: { 200: Envelope(Type.Array(UnmanagedInstanceSchema)), ...errorResponses },
      },
    },
    async () => ok('Unmanaged instances retrieved successfully', await services.accounts.unmanagedInstances()),
  );

  api.post(
    '/v1/provider-accounts',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Add a provider account',
        description: 'Credentials are checked against the provider before the account is saved; they are never returned.',
        body: CreateProviderAccountBody,
        response: { 201: Created(Account), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(ok('Provider account created successfully', await services.accounts.create(request.body))),
  );

  api.get(
    '/v1/provider-accounts/:id',
    {
      schema: {
        tags,
        summary: 'Get a provider account',
        params: IdParams,
        response: { 200: Envelope(Account), ...errorResponses },
      },
    },
    async (request) => ok('Provider account retrieved successfully', await services.accounts.get(request.params.id)),
  );

  api.put(
    '/v1/provider-accounts/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Update a provider account',
        params: IdParams,
        body: UpdateProviderAccountBody,
        response: { 200: Envelope(Account), ...errorResponses },
      },
    },
    async (request) =>
      ok('Provider account updated successfully', await services.accounts.update(request.params.id, request.body)),
  );

  api.delete(
    '/v1/provider-accounts/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Remove a provider account',
        description: 'Refused (409) while the account still has VMs that are not destroyed.',
        params: IdParams,
        response: { 200: DeletedEnvelope, ...errorResponses },
      },
    },
    async (request) => {
      await services.accounts.remove(request.params.id);
      return ok('Provider account deleted successfully', null);
    },
  );

  api.get(
    '/v1/provider-accounts/:id/projects',
    {
      schema: {
        tags,
        summary: 'Projects of a provider account',
        params: IdParams,
        response: { 200: Envelope(Type.Array(ProjectSchema)), ...errorResponses },
      },
    },
    async (request) => ok('Projects retrieved successfully', await services.accounts.projects(request.params.id)),
  );
}
