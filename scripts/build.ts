/**
 * `npm run build` (also run by `npm ci`, through `prepare`): bundles the CLI and the server into dist/ as
 * plain JavaScript, so `gpufleet` and `npm start` start without compiling TypeScript each time.
 *
 * - One entry, the CLI (dist/cli.js); what it loads only on demand (the server, the simulators) becomes
 *   chunks it imports when a command needs them, so a quick command never loads the server.
 * - Packages stay in node_modules (native ones such as better-sqlite3 and pg must, and some read their own
 *   files at run time); only gpufleet's sources are bundled.
 * - The dashboard is bundled here, once, and carried in the server chunk in place of src/web/assets.ts, so
 *   the built server reads no source files and needs no bundler.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { buildWebAssets, type WebAssets } from '../src/web/assets.ts';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist');
const WEB_PLUGIN = join(ROOT, 'src', 'web', 'plugin.ts');
/** Packages the built code must never import: they are for running and building the sources. */
const SOURCE_ONLY = ['esbuild', 'tsx'];

function prebuiltDashboard(assets: WebAssets): Plugin {
  return {
    name: 'prebuilt-dashboard',
    setup(b) {
      b.onResolve({ filter: /^\.\/assets\.ts$/ }, (args) =>
        args.importer === WEB_PLUGIN ? { path: 'dashboard', namespace: 'prebuilt' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'prebuilt' }, () => ({
        contents: `const assets = ${JSON.stringify(assets)};\nexport async function loadWebAssets() {\n  return assets;\n}\n`,
        loader: 'js',
      }));
    },
  };
}

const started = performance.now();
const assets = await buildWebAssets();
rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { cli: join(ROOT, 'src', 'cli', 'main.ts') },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  // Stack traces and error messages keep their names; the code is read from disk, not downloaded.
  minify: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [prebuiltDashboard(assets)],
});

const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
for (const [file, output] of outputs) {
  const bad = output.imports.filter((i) => i.external && SOURCE_ONLY.some((p) => i.path === p || i.path.startsWith(`${p}/`)));
  if (bad.length > 0) throw new Error(`${file} imports ${bad.map((i) => i.path).join(', ')}, which the built code must not need`);
}
if (!existsSync(join(OUT, 'cli.js'))) throw new Error('the build wrote no dist/cli.js');
const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
const listing = outputs.map(([file, output]) => `${relative(ROOT, join(ROOT, file))} ${kib(output.bytes)}`).join(', ');
process.stdout.write(`built dist/ in ${Math.round(performance.now() - started)} ms: ${listing}\n`);
