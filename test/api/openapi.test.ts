import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi } from './helpers.ts';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  'x-required-roles'?: string[];
}
interface Spec {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  security: Record<string, string[]>[];
  tags: { name: string }[];
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

let app: FastifyInstance;
let spec: Spec;

beforeAll(async () => {
  ({ app } = await buildTestApi());
  const res = await app.inject({ url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  spec = res.json();
});
afterAll(() => app.close());

function operations(): { method: string; path: string; op: Operation }[] {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

/** Every `$ref` anywhere in the document. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document with both security schemes applied globally', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.info).toMatchObject({ title: 'gpufleet API', version: '1.2.3-test' });
    expect(spec.components.securitySchemes).toEqual({
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: expect.any(String) },
      bearer: { type: 'http', scheme: 'bearer', description: expect.any(String) },
    });
    expect(spec.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
  });

  it('documents every operation with summary, known tags, a success and an error response', () => {
    const tagNames = new Set(spec.tags.map((t) => t.name));
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(47);
    for (const { method, path, op } of ops) {
      const where = `${method} ${path}`;
      expect(op.summary, where).toBeTruthy();
      expect(op.tags?.length, where).toBeGreaterThan(0);
      for (const tag of op.tags ?? []) expect(tagNames.has(tag), `${where} tag ${tag}`).toBe(true);
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => /^2\d\d$/.test(s)),
        where,
      ).toBe(true);
      expect(statuses, where).toContain('4XX');
      for (const status of statuses)
        expect(op.responses[status]?.content?.['application/json']?.schema, `${where} ${status}`).toBeDefined();
      if (path.includes('{id}'))
        expect(
          op.parameters?.some((p) => p.in === 'path' && p.name === 'id' && p.required),
          where,
        ).toBe(true);
    }
  });

  it('documents request bodies and the Idempotency-Key header of an order', () => {
    const order = spec.paths['/v1/resource/gpu']?.post;
    expect(order?.requestBody?.content['application/json']?.schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      // GPCN also requires datacenterId and sshKeyId; gpufleet takes an order without them when `constraints`
      // choose the datacenter or `generateSshKey` provides the login key, and says so when neither is there.
      required: ['name', 'seriesId', 'gpuCount'],
    });
    expect(order?.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key', required: false }));
    for (const { method, path, op } of operations()) {
      if (method === 'PUT') expect(op.requestBody, `${method} ${path}`).toBeDefined();
    }
  });

  it('marks /healthz public and publishes the roles of restricted routes', () => {
    expect(spec.paths['/healthz']?.get?.security).toEqual([]);
    expect(spec.paths['/v1/resource/gpu']?.post?.['x-required-roles']).toEqual(['admin', 'power_user']);
    expect(spec.paths['/v1/api-keys']?.get?.['x-required-roles']).toEqual(['admin']);
    expect(spec.paths['/v1/resource/gpu']?.get?.['x-required-roles']).toBeUndefined();
  });

  it('names the models as components and resolves every reference', () => {
    for (const name of [
      'GPUVMDetails',
      'Job',
      'Error',
      'PageMeta',
      'Offer',
      'Inventory',
      'SshKey',
      'ResourceGroup',
      'ProviderAccount',
      'ApiKey',
    ]) {
      expect(spec.components.schemas, name).toHaveProperty(name);
    }
    for (const ref of refs(spec)) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\//);
      expect(spec.components.schemas, ref).toHaveProperty(ref.replace('#/components/schemas/', ''));
    }
  });

  it('has schemas that are valid JSON Schema 2020-12 (the dialect of OpenAPI 3.1)', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'spec', components: spec.components });
    const check = (schema: unknown, where: string) => {
      const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/'));
      expect(() => ajv.compile(rewritten), where).not.toThrow();
    };
    for (const [name, schema] of Object.entries(spec.components.schemas)) check({ ...(schema as object), $id: undefined }, name);
    for (const { method, path, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses))
        check(response.content?.['application/json']?.schema, `${method} ${path} ${status}`);
      if (op.requestBody) check(op.requestBody.content['application/json']?.schema, `${method} ${path} body`);
    }
  });

  it('lists the same operations and roles as the README route table', () => {
    const readme = readFileSync(new URL('../../src/api/README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|/gm)].map(
      ([, method, path, roles]) => `${method} ${path} ${roles?.trim()}`,
    );
    const generated = operations().map(({ method, path, op }) => {
      const roles = op['x-required-roles']?.join(', ') ?? (path.startsWith('/v1') ? 'any' : 'none (no key)');
      return `${method} ${path} ${roles}`;
    });
    expect(documented.sort()).toEqual(generated.sort());
  });

  it("shows in the README's curl examples where every id of an order comes from, calling real routes", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = readme.slice(
      readme.indexOf('Over HTTP'),
      readme.indexOf('```', readme.indexOf('```sh', readme.indexOf('Over HTTP')) + 5),
    );
    const calls = [...block.matchAll(/curl [^\n]*?http:\/\/127\.0\.0\.1:8080(\/[^\s'?]*)/g)].map((m) => m[1] ?? '');
    const order = block.indexOf('"seriesId"');
    const shownBefore = (path: string) => {
      const at = block.indexOf(`8080${path}`);
      return at >= 0 && at < order;
    };
    expect(order).toBeGreaterThan(0);
    for (const path of calls) expect(app.hasRoute({ method: 'GET', url: path }) || path === '/v1/resource/gpu', path).toBe(true);
    // Series and datacenter ids from the inventory or the offers, the SSH key id from the key list.
    expect(shownBefore('/v1/resource/gpu/inventory') || shownBefore('/v1/offers')).toBe(true);
    expect(shownBefore('/v1/resource/ssh-keys')).toBe(true);
    for (const field of ['seriesId', 'datacenterId', 'sshKeyId']) {
      expect(block.slice(0, order), `${field} is explained before the order`).toMatch(new RegExp(`${field}\\s*=`));
    }
  });

  it('matches the router: every documented operation is a real route', () => {
    for (const { method, path } of operations()) {
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      expect(app.hasRoute({ method: method as 'GET', url }), `${method} ${url}`).toBe(true);
    }
  });
});

describe('/docs', () => {
  it('serves the Swagger UI page and its assets from the installed package', async () => {
    const page = await app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger-ui');
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset, 'no CDN').not.toMatch(/^(https?:)?\/\//);
      const res = await app.inject({ url: asset.startsWith('/') ? asset : `/docs/${asset.replace(/^\.\//, '')}` });
      expect(res.statusCode, asset).toBe(200);
    }
    const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
  });
});
