import type { FastifyInstance } from 'fastify';
import { SIM_CAPABILITIES } from './catalog.ts';
import { fail, isUuid, PROJECT_SCOPED, REGION_PREFIX, regionOf, type SimContext } from './common.ts';

/** Per-region catalog routes: projects, instance types, capacity and capabilities. */
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
}
