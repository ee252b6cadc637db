import type { FastifyInstance } from 'fastify';
import { fieldsOf, type SimContext, sendId } from './context.ts';
import { invalid, notFound, SimError } from './sim-error.ts';

const SCRIPT_QUOTA = 100;
const PUBLIC_KEY = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+)\s+[A-Za-z0-9+/=]+(\s.*)?$/;

function idList(value: unknown, field: string): string[] {
  const ids = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw invalid(`${field} must be a list of ids`);
  return ids as string[];
}

/**
 * SSH keys live at both `/sshkeys` and `/ssh-keys` (the SDKs use one each). Getting one key answers an
 * array of one element, as the real API does. Deleting a key that does not exist is not an error.
 */
function registerSshKeyRoutes(app: FastifyInstance, context: SimContext, base: string): void {
  const { world } = context;
  app.get(base, async () => [...world.sshKeys.values()].map(({ id, name, key }) => ({ id, name, key })));

  app.post(base, async (request, reply) => {
    const { name, key } = fieldsOf(request.body);
    if (typeof name !== 'string' || !name.trim()) throw invalid('name is required');
    if (typeof key !== 'string' || !PUBLIC_KEY.test(key.trim())) throw invalid('Invalid public key');
    const id = world.newId();
    world.sshKeys.set(id, { id, name, key: key.trim(), created_at: new Date().toISOString() });
    world.changed();
    return sendId(reply, context, 201, id);
  });

  app.delete(base, async (request) => {
    for (const id of idList(fieldsOf(request.body)['keys'], 'keys')) world.sshKeys.delete(id);
    world.changed();
    return '';
  });

  app.get(`${base}/:id`, async (request) => {
    const key = world.sshKeys.get((request.params as { id: string }).id);
    if (!key) throw notFound('SSH key not found');
    return [{ id: key.id, name: key.name, key: key.key }];
  });

  app.delete(`${base}/:id`, async (request) => {
    world.sshKeys.delete((request.params as { id: string }).id);
    world.changed();
    return '';
  });
}

/** Startup scripts: paginated (`page`, `pageSize`, headers `X-Page`, `X-Page-Size`, `X-Total-Count`). */
function registerScriptRoutes(app: FastifyInstance, context: SimContext): void {
  const { world } = context;
  app.get('/scripts', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const page = Math.max(1, Number.parseInt(query['page'] ?? '1', 10) || 1);
    const pageSize = Math.min(100, Math.max(1, Number.parseInt(query['pageSize'] ?? '10', 10) || 10));
    const name = query['name']?.toLowerCase();
    const matching = [...world.scripts.values()].filter((s) => !name || s.name.toLowerCase().includes(name));
    reply.header('X-Page', String(page)).header('X-Page-Size', String(pageSize)).header('X-Total-Count', String(matching.length));
    return matching.slice((page - 1) * pageSize, page * pageSize);
  });

  app.post('/scripts', async (request, reply) => {
    const { name, script } = fieldsOf(request.body);
    if (typeof name !== 'string' || !name.trim()) throw invalid('name is required');
    if (typeof script !== 'string' || !script) throw invalid('script is required');
    if (world.scripts.size >= SCRIPT_QUOTA) {
      throw new SimError(403, 'forbidden_action', `Startup script quota of ${SCRIPT_QUOTA} exceeded`);
    }
    const id = world.newId();
    world.scripts.set(id, { id, name, script });
    world.changed();
    return sendId(reply, context, 201, id);
  });

  app.delete('/scripts', async (request) => {
    for (const id of idList(fieldsOf(request.body)['scripts'], 'scripts')) world.scripts.delete(id);
    world.changed();
    return '';
  });

  app.get('/scripts/:id', async (request) => {
    const script = world.scripts.get((request.params as { id: string }).id);
    if (!script) throw notFound('Startup script not found');
    return [script];
  });

  app.delete('/scripts/:id', async (request) => {
    world.scripts.delete((request.params as { id: string }).id);
    world.changed();
    return '';
  });
}

export function registerKeyAndScriptRoutes(app: FastifyInstance, context: SimContext): void {
  registerSshKeyRoutes(app, context, '/ssh-keys');
  registerSshKeyRoutes(app, context, '/sshkeys');
  registerScriptRoutes(app, context);
}
