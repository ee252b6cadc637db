import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string }[];
  hasBody: boolean;
  bodyFields: string[];
}

/** Every operation of the published document: the fuzzer covers what the API says it serves, and nothing is left out. */
function operationsOf(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const schema = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []).map((p: { name: string; in: string }) => ({ name: p.name, in: p.in })),
        hasBody: Boolean(op.requestBody),
        bodyFields: Object.keys(schema?.properties ?? {}),
      });
    }
  }
  return ops;
}

/** Values that break naive parsing: huge, negative, fractional and non-finite numbers, odd text, markup, control characters. */
const nasty = fc.oneof(
  { arbitrary: fc.constantFrom('1e20', '1e400', '-1e20', '9007199254740993', '-1', '0', '1.5'), weight: 4 },
  fc.constantFrom(
    '1e20',
    '1e400',
    '-1',
    '0',
    '1.5',
    'NaN',
    'Infinity',
    '',
    ' ',
    '%00',
    '%E0%A4%A',
    '../..',
    '<script>',
    "'; --",
    'null',
    '[]',
    '{}',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer().map(String),
  fc.double().map(String),
);

const jsonNasty = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, '', 'x'.repeat(5_000), [], {}, null, true),
  fc.string({ maxLength: 40 }),
);

function requestFor(op: Operation) {
  const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const queryNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  return fc.record({
    path: fc.tuple(...pathParams.map(() => fc.oneof(fc.uuid(), nasty))),
    // Each documented parameter with a bad value, and now and then an undocumented one or a repeated one.
    query: fc
      .tuple(
        queryNames.length ? fc.subarray(queryNames, { minLength: 1 }) : fc.constant([] as string[]),
        fc.array(nasty, { minLength: queryNames.length + 2, maxLength: queryNames.length + 2 }),
        fc.constantFrom([], ['unknown'], ['page'], [queryNames[0] ?? 'x']),
      )
      .map(([names, values, extra]) => [...names, ...extra].map((name, i) => [name, values[i] ?? ''] as const)),
    body: op.hasBody
      ? fc.oneof(
          fc.dictionary(fc.constantFrom(...op.bodyFields, 'unknown', '__proto__', 'constructor'), jsonNasty, { maxKeys: 5 }),
          jsonNasty,
          fc.constantFrom('{"name":', 'not json', '\u0000'),
        )
      : fc.constant(undefined),
    contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/json; charset=latin1'),
  });
}

describe('fuzzing every operation of /openapi.json with bad input', () => {
  let app: TestApp;
  let operations: Operation[];
  beforeAll(async () => {
    app = await startTestApp({ web: false });
    operations = operationsOf((await (await fetch(`${app.url}/openapi.json`)).json()) as never);
  });
  afterAll(() => app.close());

  it('never answers 5xx nor outside the envelope', { timeout: 60_000 }, async () => {
    expect(operations.length).toBeGreaterThan(30);
    const failures: string[] = [];
    for (const [index, op] of operations.entries()) {
      await fc
        .assert(
          fc.asyncProperty(requestFor(op), async (input) => {
            let i = 0;
            const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(String(input.path[i++] ?? '')));
            const query = input.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
            const url = `${app.url}${path}${query ? `?${query}` : ''}`;
            const body =
              input.body === undefined
                ? undefined
                : typeof input.body === 'string' && input.contentType !== 'application/json'
                  ? input.body
                  : JSON.stringify(input.body);
            const res = await fetch(url, {
              method: op.method,
              headers: { 'x-api-key': app.adminKey, ...(body === undefined ? {} : { 'content-type': input.contentType }) },
              ...(body === undefined ? {} : { body }),
            });
            const text = await res.text();
            let json: { success?: unknown; error?: unknown; message?: unknown } | null = null;
            try {
              json = JSON.parse(text);
            } catch {}
            const inEnvelope =
              res.status < 400
                ? json?.success === true || res.status === 204
                : json?.success === false && typeof json.error === 'string' && typeof json.message === 'string';
            if (res.status >= 500 || !inEnvelope) {
              failures.push(
                `${op.method} ${url.slice(app.url.length, 300)} ${body?.slice(0, 200) ?? ''} → ${res.status} ${text.slice(0, 200)}`,
              );
              return false;
            }
            return true;
          }),
          // Seeded per operation: a failure reproduces exactly, and adding a route does not reshuffle the others.
          { seed: 1_700 + index, numRuns: 40, endOnFailure: true },
        )
        .catch(() => {});
    }
    expect(failures).toEqual([]);
  });
});
