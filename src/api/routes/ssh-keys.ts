import type { FastifyInstance } from 'fastify';
import { Created, DeletedEnvelope, Envelope, PagedEnvelope, ref } from '../../contract/common.ts';
import {
  GeneratedSshKeySchema,
  GenerateSshKeyBody,
  SSH_KEY_SORTABLE,
  SshKeyListQuery,
  SshKeySchema,
  UpdateSshKeyBody,
  UploadSshKeyBody,
} from '../../contract/ssh-keys.ts';
import type { Services } from '../../services/types.ts';
import { toListQuery } from '../list-query.ts';
import { callContext, MANAGERS } from '../plugins/auth.ts';
import { ok, paged } from '../plugins/envelope.ts';
import { errorResponses, IdParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['SSH keys'];
const Key = ref(SshKeySchema);

export function sshKeyRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  const manage = { config: { roles: MANAGERS } };

  api.get(
    '/v1/resource/ssh-keys',
    {
      schema: {
        tags,
        summary: 'List SSH keys',
        querystring: SshKeyListQuery,
        response: { 200: PagedEnvelope(Key), ...errorResponses },
      },
    },
    async (request) =>
      paged('SSH keys retrieved successfully', await services.sshKeys.list(toListQuery(request.query, SSH_KEY_SORTABLE))),
  );

  api.post(
    '/v1/resource/ssh-keys',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Upload an SSH public key',
        description: 'The algorithm is detected from the key; the fingerprint is SHA-256.',
        body: UploadSshKeyBody,
        response: { 201: Created(Key), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(ok('SSH key uploaded successfully', await services.sshKeys.upload(request.body, callContext(request).principal))),
  );

  api.post(
    '/v1/resource/ssh-keys/generate',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Generate an SSH key pair',
        description: 'The private key is in this answer only and is stored nowhere: save it now.',
        body: GenerateSshKeyBody,
        response: { 201: Created(ref(GeneratedSshKeySchema)), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          ok(
            'SSH key generated: save the private key now, it is not shown again',
            await services.sshKeys.generate(request.body, callContext(request).principal),
          ),
        ),
  );

  api.get(
    '/v1/resource/ssh-keys/:id',
    { schema: { tags, summary: 'Get an SSH key', params: IdParams, response: { 200: Envelope(Key), ...errorResponses } } },
    async (request) => ok('SSH key retrieved successfully', await services.sshKeys.get(request.params.id)),
  );

  api.put(
    '/v1/resource/ssh-keys/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Rename an SSH key or make it the default',
        params: IdParams,
        body: UpdateSshKeyBody,
        response: { 200: Envelope(Key), ...errorResponses },
      },
    },
    async (request) => ok('SSH key updated successfully', await services.sshKeys.update(request.params.id, request.body)),
  );

  api.delete(
    '/v1/resource/ssh-keys/:id',
    {
      ...manage,
      schema: { tags, summary: 'Delete an SSH key', params: IdParams, response: { 200: DeletedEnvelope, ...errorResponses } },
    },
    async (request) => {
      await services.sshKeys.remove(request.params.id);
      return ok('SSH key deleted successfully', null);
    },
  );
}
