import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OffersResultSchema } from '../../contract/catalog.ts';
import { Accepted, Envelope, PagedEnvelope, ref } from '../../contract/common.ts';
import { GpuVmDetailsSchema, JobSchema, OrderAcceptedSchema, VmEventSchema } from '../../contract/gpu-vm.ts';
import { IdempotencyHeaders, OrderBody, UpdateVmBody, VM_SORTABLE, VmListQuery } from '../../contract/gpu-vm-requests.ts';
import type { Services } from '../../services/types.ts';
import { toListQuery } from '../list-query.ts';
import { callContext, MANAGERS } from '../plugins/auth.ts';
import { ok, paged } from '../plugins/envelope.ts';
import { errorResponses, IdParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

/** Serialised answers, keyed by the listing page the service cached (the same object while unchanged). */
const serializedAnswers = new WeakMap<object, string>();

/**
 * The service hands back the same cached object while nothing on it changed: serialise its answer once
 * (with the route's response schema) and send the string.
 */
function sendSerializedOnce(reply: FastifyReply, cached: object, envelope: () => unknown): FastifyReply {
  let body = serializedAnswers.get(cached);
  if (body === undefined) {
    body = reply.serialize(envelope()) as string;
    serializedAnswers.set(cached, body);
  }
  return reply.type('application/json; charset=utf-8').send(body);
}

const tags = ['GPU VMs'];
const Vm = ref(GpuVmDetailsSchema);

export function gpuVmRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();

  api.get(
    '/v1/resource/gpu',
    {
      schema: {
        tags,
        summary: 'List GPU VMs',
        description: 'Paginated. Destroyed VMs are left out unless `includeDeleted=true` (gpufleet).',
        querystring: VmListQuery,
        response: { 200: PagedEnvelope(Vm), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { resourceGroupId, includeDeleted, status } = request.query;
      const page = await services.vms.list({
        ...toListQuery(request.query, VM_SORTABLE),
        resourceGroupId,
        includeDeleted,
        status,
      });
      return sendSerializedOnce(reply, page, () => paged('GPU VMs retrieved successfully', page));
    },
  );

  api.post(
    '/v1/resource/gpu',
    {
      config: { roles: MANAGERS },
      schema: {
        tags,
        summary: 'Order a GPU VM',
        description:
          'Answers at once with the create job (202) and the recorded VM; placement runs in the background, failing over ' +
          "across matching offers. 400 `SKU_MISMATCH` when `skuCode` does not match series/count (or the order's spot " +
          'setting: a named SKU is otherwise taken as named, spot included), 409 `NAME_TAKEN` when a live VM already has ' +
          'the name (ignoring case), 409 `INVENTORY_DEPLETED` when nothing of the series, count and place is available, ' +
          "409 `NO_MATCHING_OFFER` (gpufleet) when there is capacity but the order's constraints (price, country, region, " +
          'provider, machine kind, spot) leave none of it; its message and `details.constraint` name the one that removed ' +
          'the last offer, and for a price `details.cheapest` is what the cheapest match costs. 503 ' +
          '`GPU_PROVIDER_UNAVAILABLE`. With `dryRun: true` (gpufleet) answers 200 with the ' +
          'ranked offers instead. Send `Idempotency-Key` to make retries safe. `generateSshKey: true` (gpufleet) generates a ' +
          'key pair for this VM alone, once per VM however often the order is retried; `templateId` and `containerImage` ' +
          'are for container providers only (400 `TEMPLATE_ON_VM`, `CONTAINER_IMAGE_ON_VM` on a VM).',
        headers: IdempotencyHeaders,
        body: OrderBody,
        response: { 200: Envelope(OffersResultSchema), 202: Accepted(OrderAcceptedSchema), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { dryRun, ...input } = request.body;
      if (dryRun)
        return reply.code(200).send(ok('Dry run: the offers this order would try, in order', await services.vms.preview(input)));
      const { vm, job, replayed } = await services.vms.order(input, callContext(request, request.headers['idempotency-key']));
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(ok('GPU VM creation initiated', { ...job, vm }));
    },
  );

  api.get(
    '/v1/resource/gpu/:id',
    {
      schema: {
        tags,
        summary: 'Get a GPU VM',
        description: 'GPUVMDetails, with real-time data from the provider.',
        params: IdParams,
        response: { 200: Envelope(Vm), ...errorResponses },
      },
    },
    async (request) => {
      return ok('GPU VM retrieved successfully', await services.vms.get(request.params.id));
    },
  );

  api.put(
    '/v1/resource/gpu/:id',
    {
      config: { roles: MANAGERS },
      schema: {
        tags,
        summary: 'Update a GPU VM',
        description: 'Metadata only; every field optional. `sshKeyId: null` clears the key.',
        params: IdParams,
        body: UpdateVmBody,
        response: { 200: Envelope(Vm), ...errorResponses },
      },
    },
    async (request) =>
      ok('GPU VM updated successfully', await services.vms.update(request.params.id, request.body, callContext(request))),
  );

  api.delete(
    '/v1/resource/gpu/:id',
    {
      config: { roles: MANAGERS },
      schema: {
        tags,
        summary: 'Delete a GPU VM',
        description: 'Terminates the VM at its provider and deletes it. Irreversible. Answers with the deletion job.',
        params: IdParams,
        response: { 202: Accepted(ref(JobSchema)), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(202).send(ok('GPU VM deletion initiated', await services.vms.remove(request.params.id, callContext(request)))),
  );

  api.get(
    '/v1/resource/gpu/:id/ssh-key',
    {
      config: { roles: MANAGERS },
      schema: {
        tags,
        summary: 'Get the generated private key of a GPU VM',
        description:
          'Only for VMs whose `hasStoredCredentials` is true: gpufleet stores the private key of the pair generated for ' +
          'the VM when it was ordered with `generateSshKey: true`, sealed at rest, and wipes it once the VM is destroyed. ' +
          'Answers it in OpenSSH format; 404 `NO_STORED_CREDENTIALS` for a VM without one (never generated, or ' +
          'destroyed). Needs the admin or power_user role; every retrieval is noted in the VM history.',
        params: IdParams,
        response: {
          200: Envelope(
            Type.Object({
              privateKey: Type.String({ description: 'OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`)' }),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      ok('Private key retrieved successfully', await services.vms.legacyPrivateKey(request.params.id, callContext(request))),
  );

  api.get(
    '/v1/resource/gpu/:id/history',
    {
      schema: {
        tags,
        summary: 'Event history of a GPU VM',
        description: 'gpufleet: status changes, actions and placement attempts, oldest first.',
        params: IdParams,
        response: { 200: Envelope(Type.Array(VmEventSchema)), ...errorResponses },
      },
    },
    async (request) => ok('GPU VM history retrieved successfully', await services.vms.history(request.params.id)),
  );
}
