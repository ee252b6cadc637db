import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/types.ts';
import { ok } from '../plugins/envelope.ts';
import { Envelope, errorResponses, ref } from '../schemas/common.ts';
import { HealthSchema } from '../schemas/health.ts';
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
}
