import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { quantityBytes } from '../quantity.ts';
import { CreateFilesystemBody, FILESYSTEM_NAME_PATTERN } from '../wire.ts';
import {
  fail,
  isUuid,
  PROJECT_SCOPED,
  PROJECT_SCOPED_NO_404,
  projectOf,
  REGION_PREFIX,
  regionOf,
  type SimContext,
} from './common.ts';
import type { SimFilesystem } from './state.ts';

const checkFilesystemBody = TypeCompiler.Compile(CreateFilesystemBody);
const NAME = new RegExp(FILESYSTEM_NAME_PATTERN);

/** A filesystem as Atlas shows it: `{id, name, size}` and nothing else (no state, region or creation time). */
const filesystemView = (fs: SimFilesystem) => ({ id: fs.id, name: fs.name, size: fs.size });

/** What is wrong with a create body, as a 400 message; null when it is fine. */
function createProblem(body: unknown): string | null {
  if (!checkFilesystemBody.Check(body)) {
    const first = checkFilesystemBody.Errors(body).First();
    return `invalid request body: ${first?.path || '/'} ${first?.message ?? 'is invalid'}`;
  }
  // The document states no rule for names; the one gpufleet keeps to is enforced, so a name outside it fails here.
  if (!NAME.test(body.name)) {
    return `invalid filesystem name "${body.name}": 1-63 lower case letters, digits and '-', starting and ending with a letter or digit`;
  }
  const bytes = quantityBytes(body.size);
  if (bytes === null || bytes <= 0) return `invalid filesystem size "${body.size}": must be a positive quantity such as 512Gi`;
  return null;
}

/** The filesystem named in the path, or the reply already sent (400 for a malformed id, 404 when absent). */
function findFilesystem(ctx: SimContext, request: FastifyRequest, reply: FastifyReply): SimFilesystem | FastifyReply {
  const { id } = request.params as { id: string };
  if (!isUuid(id)) return fail(reply, 400, 'Invalid format for parameter id: must be a UUID');
  return ctx.world.getFilesystem(regionOf(request), projectOf(request), id) ?? fail(reply, 404, 'Filesystem not found');
}

/**
 * `GET|POST /filesystems` and `GET|DELETE /filesystems/{id}` of a region, per project (the seed has only the create
 * and the get; the list and the delete follow the document). Codes as the document lists them: 200, 201, 200 and 204; 400 for a bad body; 403 for a project the token cannot reach on the two
 * collection routes (they list no 404); 404 for an unknown filesystem (or project) on the item routes.
 */
export function registerFilesystemRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { world } = ctx;

  app.get(`${REGION_PREFIX}/filesystems`, PROJECT_SCOPED_NO_404, async (request) =>
    world.listFilesystems(regionOf(request), projectOf(request)).map(filesystemView),
  );

  app.post(`${REGION_PREFIX}/filesystems`, PROJECT_SCOPED_NO_404, async (request, reply) => {
    const problem = createProblem(request.body);
    if (problem) return fail(reply, 400, problem);
    const body = request.body as CreateFilesystemBody;
    const fs = world.createFilesystem({
      name: body.name,
      size: body.size,
      region: regionOf(request),
      projectId: projectOf(request),
    });
    return reply.code(201).send(filesystemView(fs));
  });

  app.get(`${REGION_PREFIX}/filesystems/:id`, PROJECT_SCOPED, async (request, reply) => {
    const found = findFilesystem(ctx, request, reply);
    return 'sent' in found ? found : filesystemView(found);
  });

  app.delete(`${REGION_PREFIX}/filesystems/:id`, PROJECT_SCOPED, async (request, reply) => {
    const found = findFilesystem(ctx, request, reply);
    if ('sent' in found) return found;
    // The document lists no answer for a filesystem an instance still mounts (only 204, 403, 404, 500, 501). This
    // answers 409 in the words of the instance routes' "Instance state conflict": an assumption, as neither 403
    // (a permission problem) nor 404 (gone) would be true.
    const user = world.filesystemUsers(found)[0];
    if (user) return fail(reply, 409, `Filesystem state conflict: filesystem ${found.id} is in use by instance ${user.id}`);
    world.deleteFilesystem(found.id);
    return reply.code(204).send();
  });
}
