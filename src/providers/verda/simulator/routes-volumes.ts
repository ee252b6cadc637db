import type { FastifyInstance } from 'fastify';
import { type SimContext, sendId } from './context.ts';
import { volumeTypesView } from './volumes.ts';

/**
 * Block volumes: `GET /volumes` (optional `status` filter), `POST /volumes` (202 with the bare id, like
 * instances), `PUT /volumes` actions (202 without a body; a clone answers its new id), `GET /volumes/trash`,
 * `GET /volumes/{volume_id}` (the deleted shape once deleted), `DELETE /volumes/{volume_id}` (202, or 204 when
 * already deleted) and the public `GET /volume-types`.
 */
export function registerVolumeRoutes(app: FastifyInstance, context: SimContext): void {
  const { volumes } = context;

  app.get('/volumes', async (request) => volumes.list((request.query as { status?: string }).status));

  app.get('/volumes/trash', async () => volumes.trash());

  app.get('/volumes/:volume_id', async (request) =>
    volumes.view(volumes.get((request.params as { volume_id: string }).volume_id)),
  );

  app.post('/volumes', async (request, reply) => {
    const id = volumes.create(request.body, request.headers['user-agent']);
    return sendId(reply, context, 202, id);
  });

  app.put('/volumes', async (request, reply) => {
    const outcome = volumes.perform(request.body, request.headers['user-agent']);
    if (outcome.kind === 'cloned') {
      return reply.code(202).send(outcome.ids.length === 1 ? { id: outcome.ids[0] } : outcome.ids.map((id) => ({ id })));
    }
    return reply.code(202).send();
  });

  app.delete('/volumes/:volume_id', async (request, reply) => {
    const { volume_id: id } = request.params as { volume_id: string };
    const outcome = volumes.deleteById(id, request.body, request.headers['user-agent']);
    return reply.code(outcome === 'unchanged' ? 204 : 202).send();
  });

  app.get('/volume-types', async () => volumeTypesView());
}
