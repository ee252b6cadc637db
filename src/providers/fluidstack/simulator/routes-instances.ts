import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CreateInstanceBody } from '../wire.ts';
import { SIM_IMAGES } from './catalog.ts';
import { fail, isUuid, PROJECT_SCOPED, projectOf, REGION_PREFIX, regionOf, type SimContext } from './common.ts';
import type { AtlasWorld, SimInstance } from './state.ts';

const checkCreateBody = TypeCompiler.Compile(CreateInstanceBody);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The instance as Atlas shows it: every documented field present, `image` without its `image://` prefix. */
function instanceView(world: AtlasWorld, i: SimInstance) {
  return {
    id: i.id,
    name: i.name,
    type: i.type,
    ip: i.ip,
    state: world.reportedState(i),
    image: i.image,
    preemptible: i.preemptible,
    ephemeral: i.ephemeral,
    userData: i.userData,
    filesystems: i.filesystems,
    tags: i.tags,
  };
}

/** The instance named in the path, or the reply already sent (400 for a malformed id, 404 when absent). */
function findInstance(ctx: SimContext, request: FastifyRequest, reply: FastifyReply): SimInstance | FastifyReply {
  const { id } = request.params as { id: string };
  if (!isUuid(id)) return fail(reply, 400, 'Invalid format for parameter id: must be a UUID');
  const instance = ctx.faults.listing.lookable(id) ? ctx.world.getInstance(regionOf(request), projectOf(request), id) : undefined;
  return instance ?? fail(reply, 404, 'instance not found');
}

/** What is wrong with a create request beyond its shape, as Atlas would answer it; null when it is fine. */
function createProblem(ctx: SimContext, region: string, projectId: string, body: CreateInstanceBody) {
  if (!ctx.world.typesIn(region).some((t) => t.name === body.type)) {
    return { status: 400, message: `invalid instance type "${body.type}" for region ${region}` };
  }
  const image = body.image ?? 'image://ubuntu22.04';
  if (!image.startsWith('image://') || !SIM_IMAGES.includes(image.slice('image://'.length))) {
    return { status: 400, message: `invalid image "${image}"` };
  }
  if (body.userData && (!BASE64.test(body.userData.replace(/\s/g, '')) || body.userData.replace(/\s/g, '').length % 4 !== 0)) {
    return { status: 400, message: 'userData must be base64-encoded' };
  }
  // A filesystem can only be mounted by an instance of its own region and project: any other is not found here.
  for (const fsId of body.filesystems ?? []) {
    if (!ctx.world.getFilesystem(region, projectId, fsId)) return { status: 404, message: `Filesystem ${fsId} not found` };
  }
  return null;
}

export function registerInstanceRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { world } = ctx;

  app.get(`${REGION_PREFIX}/instances`, PROJECT_SCOPED, async (request) =>
    world
      .listInstances(regionOf(request), projectOf(request))
      .filter((i) => ctx.faults.listing.listed(i.id))
      .map((i) => instanceView(world, i)),
  );

  app.post(`${REGION_PREFIX}/instances`, PROJECT_SCOPED, async (request, reply) => {
    if (!checkCreateBody.Check(request.body)) {
      const first = checkCreateBody.Errors(request.body).First();
      return fail(reply, 400, `invalid request body: ${first?.path || '/'} ${first?.message ?? 'is invalid'}`);
    }
    const body = request.body;
    const region = regionOf(request);
    const projectId = projectOf(request);
    const problem = createProblem(ctx, region, projectId, body);
    if (problem) return fail(reply, problem.status, problem.message);
    const instance = world.create({
      name: body.name,
      type: body.type,
      region,
      projectId,
      image: (body.image ?? 'image://ubuntu22.04').slice('image://'.length),
      preemptible: body.preemptible ?? false,
      ephemeral: body.ephemeral ?? false,
      userData: body.userData ?? null,
      filesystems: body.filesystems ?? [],
      tags: body.tags ?? {},
    });
    return reply.code(201).send(instanceView(world, instance));
  });

  app.get(`${REGION_PREFIX}/instances/:id`, PROJECT_SCOPED, async (request, reply) => {
    const found = findInstance(ctx, request, reply);
    return 'sent' in found ? found : instanceView(world, found);
  });

  app.delete(`${REGION_PREFIX}/instances/:id`, PROJECT_SCOPED, async (request, reply) => {
    const found = findInstance(ctx, request, reply);
    if ('sent' in found) return found;
    world.delete(found);
    return reply.code(204).send();
  });

  for (const action of ['start', 'stop'] as const) {
    app.post(`${REGION_PREFIX}/instances/:id/actions/${action}`, PROJECT_SCOPED, async (request, reply) => {
      const found = findInstance(ctx, request, reply);
      if ('sent' in found) return found;
      const outcome = action === 'start' ? world.start(found) : world.stop(found);
      if (!outcome.ok) return fail(reply, outcome.status, outcome.message);
      // The document: 202 with no body (an older revision answered 200 with the instance).
      return reply.code(202).send();
    });
  }
}
