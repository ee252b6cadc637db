import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyPageHeaders } from '../api/plugins/security-headers.ts';
import { type Asset, loadWebAssets } from './assets.ts';

/** Paths the single-page app routes itself; the server answers each with index.html. */
export const SPA_ROUTES = [
  '/',
  '/vms',
  '/vms/:id',
  '/keys',
  '/scripts',
  '/volumes',
  '/offers',
  '/accounts',
  '/costs',
  '/webhooks',
  '/webhooks/:id',
] as const;

const ONE_YEAR = 31_536_000;

/**
 * Serves the dashboard: `/app.js`, `/app.css` and index.html for every app route. The bundle is built
 * once here, so a broken dashboard fails the server start instead of the first visitor.
 */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  const assets = await loadWebAssets();
  // `hide` keeps these routes out of the API's OpenAPI document.
  const options = { schema: { hide: true } };
  app.get('/app.js', options, (request, reply) => sendAsset(request, reply, assets.js, assets.version));
  app.get('/app.css', options, (request, reply) => sendAsset(request, reply, assets.css, assets.version));
  for (const path of SPA_ROUTES) {
    app.get(path, options, (request, reply) => {
      applyPageHeaders(reply);
      // Always revalidated: it names the current asset version.
      return sendAsset(request, reply, assets.html, null);
    });
  }
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, file: Asset, version: string | null) {
  const versioned = version !== null && (request.query as Record<string, unknown> | undefined)?.v === version;
  reply
    .header('content-type', file.contentType)
    .header('x-content-type-options', 'nosniff')
    .header('etag', file.etag)
    .header('cache-control', versioned ? `public, max-age=${ONE_YEAR}, immutable` : 'no-cache');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.send(file.body);
}
