import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

export interface Asset {
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

/**
 * The dashboard the server serves. From the sources it is bundled in memory at every start; the built
 * server (dist/) carries the assets `npm run build` made, in place of this module, and needs no bundler.
 */
export function loadWebAssets(): Promise<WebAssets> {
  return buildWebAssets();
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

function asset(body: string, contentType: string): Asset {
  return { body, contentType, etag: `"${hash(body).slice(0, 20)}"` };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
