import type { FastifyInstance } from 'fastify';
import { Created, DeletedEnvelope, Envelope, PagedEnvelope, ref } from '../../contract/common.ts';
import {
  CreateWebhookBody,
  UpdateWebhookBody,
  WEBHOOK_DELIVERY_SORTABLE,
  WEBHOOK_SORTABLE,
  WebhookDeliveryListQuery,
  WebhookDeliverySchema,
  WebhookListQuery,
  WebhookSchema,
  WebhookWithSecretSchema,
} from '../../contract/webhooks.ts';
import type { Services } from '../../services/types.ts';
import { toListQuery } from '../list-query.ts';
import { callContext, MANAGERS } from '../plugins/auth.ts';
import { ok, paged } from '../plugins/envelope.ts';
import { errorResponses, IdParams, WebhookDeliveryParams } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const tags = ['Webhooks'];
const Hook = ref(WebhookSchema);
const HookWithSecret = ref(WebhookWithSecretSchema);
const Delivery = ref(WebhookDeliverySchema);
const Queued = Envelope(Delivery, 'Accepted: the delivery is queued; follow it at its deliveries URL');

export function webhookRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();
  const manage = { config: { roles: MANAGERS } };
  const principal = (request: Parameters<typeof callContext>[0]) => callContext(request).principal;

  api.get(
    '/v1/webhooks',
    {
      schema: {
        tags,
        summary: 'List webhooks',
        description: '`search` matches the URL and the description.',
        querystring: WebhookListQuery,
        response: { 200: PagedEnvelope(Hook), ...errorResponses },
      },
    },
    async (request) => {
      const { status } = request.query;
      const query = { ...toListQuery(request.query, WEBHOOK_SORTABLE), ...(status ? { status } : {}) };
      return paged('Webhooks retrieved successfully', await services.webhooks.list(query, principal(request)));
    },
  );

  api.post(
    '/v1/webhooks',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Create a webhook',
        description:
          'Answers the signing secret (`whsec_…`) this once. The URL is checked: http or https, no credentials, ' +
          'and (unless the operator allows them) no private, loopback or link-local address.',
        body: CreateWebhookBody,
        response: { 201: Created(HookWithSecret), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(ok('Webhook created successfully', await services.webhooks.create(request.body, principal(request)))),
  );

  api.get(
    '/v1/webhooks/:id',
    { schema: { tags, summary: 'Get a webhook', params: IdParams, response: { 200: Envelope(Hook), ...errorResponses } } },
    async (request) => ok('Webhook retrieved successfully', await services.webhooks.get(request.params.id, principal(request))),
  );

  api.put(
    '/v1/webhooks/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Update a webhook',
        description: '`status: active` re-enables a disabled webhook; the deliveries it held back are sent then.',
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: Envelope(Hook), ...errorResponses },
      },
    },
    async (request) =>
      ok('Webhook updated successfully', await services.webhooks.update(request.params.id, request.body, principal(request))),
  );

  api.delete(
    '/v1/webhooks/:id',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Delete a webhook',
        description: 'Its deliveries go with it; pending ones are not sent.',
        params: IdParams,
        response: { 200: DeletedEnvelope, ...errorResponses },
      },
    },
    async (request) => {
      await services.webhooks.delete(request.params.id, principal(request));
      return ok('Webhook deleted successfully', null);
    },
  );

  api.post(
    '/v1/webhooks/:id/rotate-secret',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Rotate the signing secret of a webhook',
        description:
          'Answers the new secret this once. The old one also signs for 24 hours (`previousSecretExpiresAt`): ' +
          '`webhook-signature` then carries both signatures.',
        params: IdParams,
        response: { 200: Envelope(HookWithSecret), ...errorResponses },
      },
    },
    async (request) =>
      ok('Webhook secret rotated successfully', await services.webhooks.rotateSecret(request.params.id, principal(request))),
  );

  api.post(
    '/v1/webhooks/:id/test',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Send a test event to a webhook',
        description: 'Stores a `webhook.test` event delivered to this webhook alone, and answers its delivery.',
        params: IdParams,
        response: { 202: Queued, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(202).send(ok('Test event queued', await services.webhooks.sendTest(request.params.id, principal(request)))),
  );

  api.get(
    '/v1/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'List the deliveries of a webhook',
        description: '`search` matches the event type.',
        params: IdParams,
        querystring: WebhookDeliveryListQuery,
        response: { 200: PagedEnvelope(Delivery), ...errorResponses },
      },
    },
    async (request) => {
      const { status } = request.query;
      const query = { ...toListQuery(request.query, WEBHOOK_DELIVERY_SORTABLE), ...(status ? { status } : {}) };
      return paged(
        'Webhook deliveries retrieved successfully',
        await services.webhooks.listDeliveries(request.params.id, query, principal(request)),
      );
    },
  );

  api.get(
    '/v1/webhooks/:id/deliveries/:deliveryId',
    {
      schema: {
        tags,
        summary: 'Get a webhook delivery',
        params: WebhookDeliveryParams,
        response: { 200: Envelope(Delivery), ...errorResponses },
      },
    },
    async (request) =>
      ok(
        'Webhook delivery retrieved successfully',
        await services.webhooks.getDelivery(request.params.id, request.params.deliveryId, principal(request)),
      ),
  );

  api.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/retry',
    {
      ...manage,
      schema: {
        tags,
        summary: 'Deliver again',
        description:
          'A failed delivery is queued again with a fresh retry schedule; a delivered one is sent once more (same ' +
          '`webhook-id`, so receivers can tell); a pending one is tried now.',
        params: WebhookDeliveryParams,
        response: { 202: Queued, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(
          ok(
            'Webhook delivery queued',
            await services.webhooks.redeliver(request.params.id, request.params.deliveryId, principal(request)),
          ),
        ),
  );
}
