import type { FastifyInstance } from 'fastify';
import { Envelope, ref } from '../../contract/common.ts';
import { CostQuerySchema, CostReportSchema } from '../../contract/costs.ts';
import { badRequest } from '../../services/errors.ts';
import type { Services } from '../../services/types.ts';
import { ok } from '../plugins/envelope.ts';
import { errorResponses } from '../route-schemas.ts';
import type { TypeBoxProvider } from '../type-provider.ts';

const DEFAULT_PERIOD_MS = 30 * 24 * 3600_000;

export function costRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<TypeBoxProvider>();

  api.get(
    '/v1/costs',
    {
      schema: {
        tags: ['Costs'],
        summary: 'Costs over a period',
        description: 'gpufleet: grouped by VM (default), resource group, provider or API key; default period the last 30 days.',
        querystring: CostQuerySchema,
        response: { 200: Envelope(ref(CostReportSchema)), ...errorResponses },
      },
    },
    async (request) => {
      const to = request.query.to ? new Date(request.query.to) : new Date();
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - DEFAULT_PERIOD_MS);
      if (from.getTime() >= to.getTime())
        throw badRequest('VALIDATION_ERROR', 'query.from must be before query.to', { field: 'query.from' });
      const report = await services.costs.report({
        from: from.toISOString(),
        to: to.toISOString(),
        groupBy: request.query.groupBy ?? 'vm',
      });
      return ok('Costs retrieved successfully', report);
    },
  );
}
