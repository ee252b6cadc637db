import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Accepted, Envelope, ref } from '../../contract/common.ts';
import { BulkActionResultSchema, BulkDeleteResultSchema, JobSchema } from '../../contract/gpu-vm.ts';
import { IdsBody, JobIdsBody } from '../../contract/gpu-vm-requests.ts';
import type { Services } from '../../services/types.ts';
import { callContext, MANAGERS } from '../plugins/auth.ts';
import { ok } from '../plugins/envelope.ts';
import { errorResponses, IdParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['GPU VMs'];
const JobAccepted = Accepted(ref(JobSchema));
const jobs = Type.Object({ jobs: Type.Array(ref(JobSchema)) });

function bulkMessage(action: string, result: { summary: { succeeded: number; failed: number } }): string {
  return `Bulk ${action} processed: ${result.summary.succeeded} succeeded, ${result.summary.failed} failed`;
}

/** Power actions (gpufleet additions in GPCN's conventions), bulk actions and job polling. */
export function gpuVmActionRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  const action = { config: { roles: MANAGERS } };

  api.post(
    '/v1/resource/gpu/:id/start',
    {
      ...action,
      schema: { tags, summary: 'Start a stopped GPU VM', params: IdParams, response: { 202: JobAccepted, ...errorResponses } },
    },
    async (request, reply) =>
      reply.code(202).send(ok('GPU VM start initiated', await services.vms.start(request.params.id, callContext(request)))),
  );

  api.post(
    '/v1/resource/gpu/:id/stop',
    {
      ...action,
      schema: {
        tags,
        summary: 'Stop a running GPU VM',
        description: 'The message carries a warning when the provider keeps billing stopped VMs.',
        params: IdParams,
        response: { 202: JobAccepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { job, warning } = await services.vms.stop(request.params.id, callContext(request));
      return reply.code(202).send(ok(warning ? `GPU VM stop initiated. ${warning}` : 'GPU VM stop initiated', job));
    },
  );

  api.post(
    '/v1/resource/gpu/:id/restart',
    {
      ...action,
      schema: { tags, summary: 'Restart a running GPU VM', params: IdParams, response: { 202: JobAccepted, ...errorResponses } },
    },
    async (request, reply) =>
      reply.code(202).send(ok('GPU VM restart initiated', await services.vms.restart(request.params.id, callContext(request)))),
  );

  api.post(
    '/v1/resource/gpu/bulk/stop',
    {
      ...action,
      schema: {
        tags,
        summary: 'Stop several GPU VMs',
        description: 'Each VM independently; the answer reports every one.',
        body: IdsBody,
        response: { 200: Envelope(BulkActionResultSchema), ...errorResponses },
      },
    },
    async (request) => {
      const result = await services.vms.bulkStop(request.body.ids, callContext(request));
      return ok(bulkMessage('stop', result), result);
    },
  );

  api.post(
    '/v1/resource/gpu/bulk/start',
    {
      ...action,
      schema: {
        tags,
        summary: 'Start several GPU VMs',
        description: 'gpufleet: like bulk stop.',
        body: IdsBody,
        response: { 200: Envelope(BulkActionResultSchema), ...errorResponses },
      },
    },
    async (request) => {
      const result = await services.vms.bulkStart(request.body.ids, callContext(request));
      return ok(bulkMessage('start', result), result);
    },
  );

  api.post(
    '/v1/resource/gpu/bulk/delete',
    {
      ...action,
      schema: {
        tags,
        summary: 'Delete several GPU VMs',
        description:
          'Each deletion is a job (`jobs`, as GPCN answers). gpufleet: each id is handled on its own, like bulk stop; `results` and `summary` report every id, so an unknown or already destroyed one is named there and the others are still deleted.',
        body: IdsBody,
        response: { 202: Accepted(BulkDeleteResultSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await services.vms.bulkDelete(request.body.ids, callContext(request));
      const failed = result.summary.failed > 0 ? `; ${result.summary.failed} failed` : '';
      return reply.code(202).send(ok(`GPU VM deletion initiated for ${result.jobs.length} VMs${failed}`, result));
    },
  );

  api.post(
    '/v1/resource/jobs',
    {
      schema: {
        tags: ['Jobs'],
        summary: 'Get jobs',
        description: 'Poll long operations. `jobs` is always an array.',
        body: JobIdsBody,
        response: { 200: Envelope(jobs), ...errorResponses },
      },
    },
    async (request) => ok('Jobs retrieved successfully', { jobs: await services.vms.jobs(request.body.jobIds) }),
  );
}
