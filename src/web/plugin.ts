import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyPageHeaders } from '../api/plugins/security-headers.ts';

/** Paths the single-page app routes itself; the server answers each with index.html. */
export const SPA_ROUTES = ['/', '/vms', '/vms/:id', '/keys', '/scripts', '/volumes', '/offers', '/accounts', '/costs'] as const;

const ONE_YEAR = 31_536_000;

interface Asset {
  body: string;
  contentType: string;
  etag: string;
}

export interface WebAssets {
  version: string;
  html: Asset;
  js: Asset;
  css: Asset;
}

/** Bundles the dashboard in memory: one ES module for the code, minified CSS, and index.html pointing at both by content hash. */
export async function buildWebAssets(): Promise<WebAssets> {
  const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
  const [bundle, cssSource, htmlSource] = await Promise.all([
    build({
      entryPoints: [here('./main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }),
    readFile(here('./styles.css'), 'utf8'),
    readFile(here('./index.html'), 'utf8'),
  ]);
  const jsBody = bundle.outputFiles[0]?.text;
  if (!jsBody) throw new Error('The dashboard bundle came out empty');
  const cssBody = (await transform(cssSource, { loader: 'css', minify: true, target: 'chrome100' })).code;
  const js = asset(jsBody, 'text/javascript; charset=utf-8');
  const css = asset(cssBody, 'text/css; charset=utf-8');
  // One version for both files: a new deploy changes the URLs, so browsers never mix old and new assets.
  const version = hash(js.body + css.body).slice(0, 12);
  const html = asset(htmlSource.replaceAll('__VERSION__', version), 'text/html; charset=utf-8');
  return { version, html, js, css };
}

/**
 * Serves the dashboard: `/app.js`, `/app.css` and index.html for every app route. The bundle is built
 * once here, so a broken dashboard fails the server start instead of the first visitor.
 */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  const assets = await buildWebAssets();
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

function asset(body: string, contentType: string): Asset {
  return { body, contentType, etag: `"${hash(body).slice(0, 20)}"` };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
