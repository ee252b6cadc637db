import type { FastifyInstance } from 'fastify';
import { Created, DeletedEnvelope, Envelope, PagedEnvelope, ref } from '../../contract/common.ts';
import {
  CreateStartupScriptBody,
  STARTUP_SCRIPT_SORTABLE,
  StartupScriptListQuery,
  StartupScriptSchema,
  UpdateStartupScriptBody,
} from '../../contract/startup-scripts.ts';
import type { Services } from '../../services/types.ts';
import { toListQuery } from '../list-query.ts';
import { callContext, MANAGERS } from '../plugins/auth.ts';
import { ok, paged } from '../plugins/envelope.ts';
import { errorResponses, IdParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['Startup scripts'];
const Script = ref(StartupScriptSchema);

export function startupScriptRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  const manage = { config: { roles: MANAGERS } };

  api.get(
    '/v1/resource/startup-scripts',
    {
      schema: {
        tags,
        summary: 'List startup scripts',
        querystring: StartupScriptListQuery,
        response: { 200: PagedEnvelope(Script), ...errorResponses },
      },
    },
    async (request) =>
      paged(
        'Startup scripts retrieved successfully',
        await services.startupScripts.list(toListQuery(request.query, STARTUP_SCRIPT_SORTABLE)),
      ),
  );

  api.post(
    '/v1/resource/startup-scripts',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Save a startup script',
        description: 'An order names it with `startupScriptId`; the VM keeps the text it was ordered with.',
        body: CreateStartupScriptBody,
        response: { 201: Created(Script), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          ok(
            'Startup script created successfully',
            await services.startupScripts.create(request.body, callContext(request).principal),
          ),
        ),
  );

  api.get(
    '/v1/resource/startup-scripts/:id',
    {
      schema: { tags, summary: 'Get a startup script', params: IdParams, response: { 200: Envelope(Script), ...errorResponses } },
    },
    async (request) => ok('Startup script retrieved successfully', await services.startupScripts.get(request.params.id)),
  );

  api.put(
    '/v1/resource/startup-scripts/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Rename or rewrite a startup script',
        description: 'VMs already ordered with it keep the text they were ordered with.',
        params: IdParams,
        body: UpdateStartupScriptBody,
        response: { 200: Envelope(Script), ...errorResponses },
      },
    },
    async (request) =>
      ok('Startup script updated successfully', await services.startupScripts.update(request.params.id, request.body)),
  );

  api.delete(
    '/v1/resource/startup-scripts/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Delete a startup script',
        params: IdParams,
        response: { 200: DeletedEnvelope, ...errorResponses },
      },
    },
    async (request) => {
      await services.startupScripts.remove(request.params.id);
      return ok('Startup script deleted successfully', null);
    },
  );
}
