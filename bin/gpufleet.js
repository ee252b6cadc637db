#!/usr/bin/env node
// Entry point of the `gpufleet` command. It runs the JavaScript that `npm run build` writes to dist/ (`npm ci`
// builds it). GPUFLEET_FROM_SOURCES=1 runs the TypeScript sources through tsx instead (the tests do, and so
// can anyone changing the sources without rebuilding); so does a checkout with no dist/, after saying so.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
const fromSources = process.env.GPUFLEET_FROM_SOURCES === '1';

if (!fromSources && existsSync(built)) {
  await import(built.href);
} else {
  if (!fromSources) {
    process.stderr.write('gpufleet: no build in dist/ (run `npm run build`); running the TypeScript sources, slower to start\n');
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
