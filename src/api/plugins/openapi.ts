import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { applyPageHeaders, CONTENT_SECURITY_POLICY } from './security-headers.ts';

export const TAGS = [
  { name: 'GPU VMs', description: "GPCN's GPU API: order, inspect, update, power and delete GPU VMs" },
  { name: 'Jobs', description: 'Long-running operations' },
  { name: 'Catalog', description: 'GPU series, datacenters, live inventory and offers' },
  { name: 'SSH keys', description: 'Key library used when ordering VMs' },
  { name: 'Startup scripts', description: 'Scripts run once at a VM’s first boot, named by orders' },
  { name: 'Volumes', description: 'Persistent storage that outlives VMs: created in a datacenter, attached to VMs there' },
  { name: 'Resource groups', description: 'Group VMs (GPCN guides call them teams), with optional budgets' },
  { name: 'Provider accounts', description: 'Upstream GPU cloud accounts; credentials are write-only' },
  { name: 'API keys', description: 'Keys and roles of the callers (admin only)' },
  { name: 'Costs', description: 'Spending per VM, resource group, provider or API key' },
  { name: 'Events', description: 'What happens to resources: a Server-Sent Events stream with resume, and the stored log' },
  { name: 'Webhooks', description: 'Events POSTed to your receivers, signed (Standard Webhooks), retried with backoff' },
  {
    name: 'Health',
    description:
      'Liveness (`/healthz`), readiness of the store and provider accounts (`/readyz`). Prometheus metrics are at `/metrics` (text format, not in this document).',
  },
] as const;

/**
 * The OpenAPI 3.1 document is generated from the very schemas Fastify validates and serialises with,
 * so documentation and behaviour cannot disagree. Models with an `$id` become named components.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'gpufleet API',
        version,
        description:
          "One control plane for GPU VMs across GPU clouds. Serves GPCN's GPU API (same paths, models, envelope and errors) " +
          'plus gpufleet additions marked in the descriptions. Every answer carries X-RateLimit-Limit, X-RateLimit-Remaining ' +
          'and X-RateLimit-Reset; over the limit the answer is 429 RATE_LIMITED with Retry-After.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'API key' },
          bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
      tags: TAGS.map((t) => ({ ...t })),
    },
    // The roles a route needs live in its config (checked by the access-control hook); publish them too.
    transform: ({ schema, url, route }) => {
      const roles = route.config?.roles;
      if (!roles || !schema) return { schema, url };
      const note = `Needs the ${roles.join(' or ')} role.`;
      const description = typeof schema.description === 'string' ? `${schema.description}\n\n${note}` : note;
      return { schema: { ...schema, description, 'x-required-roles': [...roles] }, url };
    },
    refResolver: {
      // Name components after the models' $id (GPUVMDetails, Job…) instead of def-0, def-1…
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });

  // Assets come from the installed package: the page works offline, no CDN.
  // The same page headers as the dashboard: Swagger UI loads only its own files, so the strict policy holds.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true },
    staticCSP: CONTENT_SECURITY_POLICY,
    uiHooks: {
      onRequest: (_request, reply, done) => {
        applyPageHeaders(reply);
        done();
      },
    },
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
