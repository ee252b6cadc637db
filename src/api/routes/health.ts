import type { FastifyInstance } from 'fastify';
import { Envelope, ref } from '../../contract/common.ts';
import { HealthSchema, ReadinessSchema } from '../../contract/health.ts';
import type { Services } from '../../services/types.ts';
import { ok } from '../plugins/envelope.ts';
import { errorBody } from '../plugins/errors.ts';
import { errorResponses } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.withTypeProvider<TypeBoxProvider>().get(
    '/healthz',
    {
      schema: {
        tags: ['Health'],
        summary: 'Health',
        description: 'No API key needed. `degraded` when a provider account is unhealthy; the API still serves.',
        security: [],
        response: { 200: Envelope(ref(HealthSchema)), ...errorResponses },
      },
    },
    async () => ok('ok', await services.health()),
  );

  app.withTypeProvider<TypeBoxProvider>().get(
    '/readyz',
    {
      // A failing probe is an expected answer, not a server error to log on every poll.
      config: { probe: true },
      schema: {
        tags: ['Health'],
        summary: 'Readiness',
        description:
          'No API key needed, never rate limited. 200 when the store answers and no enabled provider account is failing its ' +
          'status syncs (from the last sync, not a live provider call); otherwise 503 `NOT_READY` with the failing components ' +
          'in `details.failing`. Accounts are shown by name, provider and status only.',
        security: [],
        response: { 200: Envelope(ref(ReadinessSchema)), ...errorResponses },
      },
    },
    async (_request, reply) => {
      const report = await services.readiness();
      if (report.ready) return ok('ready', report);
      const failing = [
        ...(report.store.status === 'failing' ? [{ component: 'store', status: 'failing' }] : []),
        ...report.accounts
          .filter((a) => a.status === 'failing')
          .map((a) => ({
            component: 'provider_account',
            name: a.name,
            provider: a.provider,
            status: a.status,
            health: a.health,
          })),
      ];
      const names = failing.map((f) => ('name' in f ? `${f.provider} account "${f.name}"` : 'the store')).join(', ');
      return reply.code(503).send(errorBody('NOT_READY', `Not ready: ${names} failing`, { failing, readiness: report }));
    },
  );
}
