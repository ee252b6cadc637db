import type { FastifyInstance } from 'fastify';
import { SIM_REGIONS } from './catalog.ts';
import { GLOBAL_PREFIX, type SimContext } from './common.ts';

/**
 * The identity provider's client-credentials grant: form-encoded (JSON is accepted too) `grant_type`,
 * `client_id`, `client_secret` and `audience`, answered in OAuth2's format.
 */
export function registerOAuthRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post('/oauth/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, unknown>;
    if (form['grant_type'] !== 'client_credentials') {
      return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'Unsupported grant type' });
    }
    if (!ctx.issuer.authenticates(form['client_id'], form['client_secret'])) {
      return reply.code(401).send({ error: 'access_denied', error_description: 'Unauthorized' });
    }
    if (form['audience'] !== ctx.audience) {
      return reply
        .code(403)
        .send({ error: 'access_denied', error_description: `Service not enabled within domain: ${String(form['audience'])}` });
    }
    const issued = ctx.issuer.issue(String(form['client_id']));
    return reply.code(200).send({ access_token: issued.token, expires_in: issued.expiresInSec, token_type: 'Bearer' });
  });
}

/** The global Management API; the adapter uses its region list to check the token. */
export function registerGlobalRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.get(`${GLOBAL_PREFIX}/regions`, async () =>
    SIM_REGIONS.map((r) => ({ name: r.name, url: `${ctx.origin()}/regions/${r.name}` })),
  );
}
