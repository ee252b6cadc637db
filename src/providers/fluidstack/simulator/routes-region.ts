import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import { CreateFilesystemBody } from '../wire.ts';
import { SIM_CAPABILITIES } from './catalog.ts';
import { fail, isUuid, PROJECT_SCOPED, projectOf, REGION_PREFIX, regionOf, type SimContext } from './common.ts';
import type { SimFilesystem } from './state.ts';

const checkFilesystemBody = TypeCompiler.Compile(CreateFilesystemBody);

const filesystemView = (fs: SimFilesystem) => ({ id: fs.id, name: fs.name, size: fs.size });

/** Per-region catalog routes: projects, instance types, capacity, capabilities and filesystems. */
export function registerRegionRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { world } = ctx;

  // Projects are listed without a project header.
  app.get(`${REGION_PREFIX}/projects`, async (request) =>
    world.projectsIn(regionOf(request)).map((p) => ({ id: p.id, name: p.name, state: 'active', tags: p.tags })),
  );

  app.get(`${REGION_PREFIX}/projects/:id`, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!isUuid(id)) return fail(reply, 400, 'Invalid format for parameter id: must be a UUID');
    const project = world.projectsIn(regionOf(request)).find((p) => p.id === id);
    if (!project) return fail(reply, 404, 'project not found');
    return { id: project.id, name: project.name, state: 'active', tags: project.tags };
  });

  app.get(`${REGION_PREFIX}/instance-types`, async (request) => world.typesIn(regionOf(request)).map((t) => ({ ...t })));

  app.get(`${REGION_PREFIX}/capacity`, PROJECT_SCOPED, async (request) => {
    const region = regionOf(request);
    return world.typesIn(region).map((t) => ({ name: t.name, capacity: world.capacityOf(region, t.name) }));
  });

  // The token's permissions. The seed's older Atlas docs lack this route; Fluidstack's OpenAPI has it, per
  // region and, like instance types, without X-PROJECT-ID.
  app.get(`${REGION_PREFIX}/capabilities`, async () => [...SIM_CAPABILITIES]);

  app.get(`${REGION_PREFIX}/filesystems`, PROJECT_SCOPED, async (request) =>
    world.listFilesystems(regionOf(request), projectOf(request)).map(filesystemView),
  );

  app.post(`${REGION_PREFIX}/filesystems`, PROJECT_SCOPED, async (request, reply) => {
    if (!checkFilesystemBody.Check(request.body)) {
      const first = checkFilesystemBody.Errors(request.body).First();
      return fail(reply, 400, `invalid request body: ${first?.path || '/'} ${first?.message ?? 'is invalid'}`);
    }
    const fs = world.createFilesystem({
      name: request.body.name,
      size: request.body.size,
      region: regionOf(request),
      projectId: projectOf(request),
    });
    return reply.code(201).send(filesystemView(fs));
  });

  app.get(`${REGION_PREFIX}/filesystems/:id`, PROJECT_SCOPED, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!isUuid(id)) return fail(reply, 400, 'Invalid format for parameter id: must be a UUID');
    const fs = world.getFilesystem(regionOf(request), projectOf(request), id);
    return fs ? filesystemView(fs) : fail(reply, 404, 'filesystem not found');
  });

  app.delete(`${REGION_PREFIX}/filesystems/:id`, PROJECT_SCOPED, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!isUuid(id)) return fail(reply, 400, 'Invalid format for parameter id: must be a UUID');
    const fs = world.getFilesystem(regionOf(request), projectOf(request), id);
    if (!fs) return fail(reply, 404, 'filesystem not found');
    const user = world.filesystemUser(id);
    if (user) return fail(reply, 409, `filesystem is attached to instance ${user.id}`);
    world.deleteFilesystem(id);
    return reply.code(204).send();
  });
}
