import type { FastifyInstance } from 'fastify';
import { fieldsOf, type SimContext, sendId } from './context.ts';
import { invalid, notFound, SimError } from './sim-error.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ActionResult {
  instanceId: string;
  action: string;
  status: 'success' | 'error';
  error?: string;
  statusCode?: number;
}

export function registerInstanceRoutes(app: FastifyInstance, context: SimContext): void {
  const { world, lifecycle, listing } = context;

  app.get('/instances', async (request) => {
    const { status, computeId } = request.query as { status?: string; computeId?: string };
    return [...world.instances.values()]
      .filter((record) => listing.listed(record.id))
      .map((record) => world.view(record))
      .filter((view) => (!status || view.status === status) && (!computeId || view.id === computeId));
  });

  app.get('/instances/:instance_id', async (request) => {
    const id = (request.params as { instance_id: string }).instance_id;
    if (!listing.lookable(id)) throw notFound('Invalid instance id');
    return world.view(lifecycle.get(id));
  });

  app.post('/instances', async (request, reply) => {
    const id = lifecycle.deploy(request.body, request.headers['user-agent']);
    return sendId(reply, context, 202, id);
  });

  /**
   * Actions: a single id answers 202 with its result, 204 when already in the requested state, or the
   * error itself (400/404); a list answers 202 when every action succeeded and 207 otherwise.
   */
  app.put('/instances', async (request, reply) => {
    const done = performActions(context, request.body);
    if (done.kind === 'unchanged') return reply.code(204).send();
    return reply.code(done.results.every((r) => r.status === 'success') ? 202 : 207).send(done.results);
  });

  /**
   * The deprecated action route, still served by Verda: the same body and the same lifecycle as
   * `PUT /instances`. The spec documents only a 202 without a body for it, so success (an instance already in
   * the requested state included) answers just that; refusals answer as on `PUT /instances`, since a client
   * must learn which action failed.
   */
  app.post('/instances/action', async (request, reply) => {
    const done = performActions(context, request.body);
    if (done.kind === 'acted' && done.results.some((r) => r.status === 'error')) return reply.code(207).send(done.results);
    return reply.code(202).send();
  });
}

type Performed = { kind: 'unchanged' } | { kind: 'acted'; results: ActionResult[] };

/** Check a `PerformInstanceActionPublicDto` body and run its action on each instance named. */
function performActions({ lifecycle }: SimContext, rawBody: unknown): Performed {
  const body = fieldsOf(rawBody);
  const action = body['action'];
  if (typeof action !== 'string') throw invalid('action is required');
  const ids = body['id'];
  const volumeIds = body['volume_ids'];
  if (volumeIds !== undefined && (!Array.isArray(volumeIds) || volumeIds.some((v) => typeof v !== 'string'))) {
    throw invalid('volume_ids must be a list of volume ids');
  }
  const options = {
    volumeIds: volumeIds as string[] | undefined,
    deletePermanently: body['delete_permanently'] === true,
  };
  // A single id: its refusal is the answer (400/404).
  if (typeof ids === 'string') {
    if (lifecycle.act(action, ids, options) === 'unchanged') return { kind: 'unchanged' };
    return { kind: 'acted', results: [{ instanceId: ids, action, status: 'success' }] };
  }
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string' || !UUID.test(id))) {
    throw invalid('id must be an instance id or a list of instance ids');
  }
  const results = (ids as string[]).map((id): ActionResult => {
    try {
      lifecycle.act(action, id, options);
      return { instanceId: id, action, status: 'success' };
    } catch (error) {
      if (!(error instanceof SimError)) throw error;
      return { instanceId: id, action, status: 'error', error: error.message, statusCode: error.status };
    }
  });
  return { kind: 'acted', results };
}
