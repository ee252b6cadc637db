import type { FastifyInstance } from 'fastify';
import { fieldsOf, type SimContext, sendId } from './context.ts';
import { invalid, SimError } from './sim-error.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ActionResult {
  instanceId: string;
  action: string;
  status: 'success' | 'error';
  error?: string;
  statusCode?: number;
}

export function registerInstanceRoutes(app: FastifyInstance, context: SimContext): void {
  const { world, lifecycle } = context;

  app.get('/instances', async (request) => {
    const { status, computeId } = request.query as { status?: string; computeId?: string };
    return [...world.instances.values()]
      .map((record) => world.view(record))
      .filter((view) => (!status || view.status === status) && (!computeId || view.id === computeId));
  });

  app.get('/instances/:instance_id', async (request) => {
    return world.view(lifecycle.get((request.params as { instance_id: string }).instance_id));
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
    const body = fieldsOf(request.body);
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
    if (typeof ids === 'string') {
      const outcome = lifecycle.act(action, ids, options);
      if (outcome === 'unchanged') return reply.code(204).send();
      return reply.code(202).send([{ instanceId: ids, action, status: 'success' } satisfies ActionResult]);
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
    return reply.code(results.every((r) => r.status === 'success') ? 202 : 207).send(results);
  });
}
