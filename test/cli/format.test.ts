import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryString } from '../../src/cli/client.ts';
import { normalizeUrl, resolveConfig } from '../../src/cli/config.ts';
import { colorEnabled, paintStatus, stripColor } from '../../src/cli/format/colors.ts';
import { toYaml } from '../../src/cli/format/data.ts';
import { renderFields, renderTable } from '../../src/cli/format/table.ts';
import { formatMoney, formatTime } from '../../src/cli/format/values.ts';

describe('table formatter', () => {
  it('sizes columns from their content, ignoring colour codes, and aligns right where asked', () => {
    const rows = [
      { name: 'a', status: paintStatus('Running', true), price: '$2.19' },
      { name: 'longer-name', status: 'Stopped', price: '$12.00' },
    ];
    const text = renderTable(rows, [
      { header: 'NAME', value: (r) => r.name },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'PRICE', value: (r) => r.price, align: 'right' },
    ]);
    const plain = stripColor(text);
    expect(plain.split('\n')).toEqual([
      'NAME         STATUS    PRICE',
      'a            Running   $2.19',
      'longer-name  Stopped  $12.00',
    ]);
  });

  it('aligns field labels', () => {
    expect(
      renderFields([
        ['ID', '1'],
        ['Status', 'Running'],
      ]),
    ).toBe('ID:     1\nStatus: Running');
  });
});

describe('values', () => {
  it('formats money with the currency symbol, more digits for tiny amounts', () => {
    expect(formatMoney({ amount: 2.19, currency: 'usd' })).toBe('$2.19');
    expect(formatMoney({ amount: 0.044, currency: 'eur' }, '/h')).toBe('€0.0440/h');
    expect(formatMoney({ amount: 3, currency: 'chf' })).toBe('3.00 CHF');
    expect(formatMoney(null)).toBe('-');
  });

  it('formats times in UTC to the minute', () => {
    expect(formatTime('2025-03-01T10:05:59.000Z')).toBe('2025-03-01 10:05');
    expect(formatTime(null)).toBe('-');
  });

  it('builds query strings without empty values, joining lists with commas', () => {
    expect(queryString({ a: 1, b: undefined, c: '', d: ['x', 'y'], e: [], f: false })).toBe('?a=1&d=x%2Cy&f=false');
    expect(queryString({})).toBe('');
  });
});

describe('colour', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;

  it('is on only for a terminal, unless NO_COLOR or FORCE_COLOR say otherwise', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });
});

describe('config', () => {
  const noFile = { currentProfile: null, profiles: {}, keyFiles: {} };

  it('takes flags over the environment and defaults the URL', () => {
    expect(resolveConfig({}, { GPUFLEET_DATA_DIR: '/nonexistent' }, noFile)).toEqual({
      url: 'http://127.0.0.1:8080',
      apiKey: null,
      apiKeySource: 'none',
      profile: null,
      json: false,
      output: 'table',
    });
    const env = { GPUFLEET_URL: 'http://env:1/', GPUFLEET_API_KEY: 'env-key' };
    expect(resolveConfig({}, env, noFile)).toMatchObject({ url: 'http://env:1', apiKey: 'env-key', apiKeySource: 'env' });
    expect(resolveConfig({ url: 'http://flag:2', apiKey: 'flag-key', json: true }, env, noFile)).toEqual({
      url: 'http://flag:2',
      apiKey: 'flag-key',
      apiKeySource: 'flag',
      profile: null,
      json: true,
      output: 'json',
    });
  });

  it("falls back to the local sandbox's admin key file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-config-'));
    writeFileSync(join(dir, 'admin-key'), 'sandbox-admin-key\n');
    expect(resolveConfig({}, { GPUFLEET_DATA_DIR: dir }, noFile)).toMatchObject({
      apiKey: 'sandbox-admin-key',
      apiKeySource: 'file',
    });
  });

  it('reads the profile after the environment: --profile, then GPUFLEET_PROFILE, then the current one', () => {
    const file = {
      currentProfile: 'work',
      profiles: { work: { url: 'https://work.example/v1', apiKey: 'work-key' }, lab: { url: 'http://lab:9', apiKey: 'lab-key' } },
      keyFiles: {},
    };
    const env = { GPUFLEET_DATA_DIR: '/nonexistent' };
    expect(resolveConfig({}, env, file)).toMatchObject({ url: 'https://work.example', apiKey: 'work-key', profile: 'work' });
    expect(resolveConfig({}, { ...env, GPUFLEET_PROFILE: 'lab' }, file)).toMatchObject({
      url: 'http://lab:9',
      apiKey: 'lab-key',
    });
    expect(resolveConfig({ profile: 'lab' }, { ...env, GPUFLEET_PROFILE: 'work' }, file)).toMatchObject({ apiKey: 'lab-key' });
    expect(resolveConfig({}, { ...env, GPUFLEET_API_KEY: 'env-key' }, file)).toMatchObject({
      url: 'https://work.example',
      apiKey: 'env-key',
      apiKeySource: 'env',
    });
    expect(() => resolveConfig({ profile: 'nope' }, env, file)).toThrow(/no profile named "nope" \(profiles: work, lab\)/);
  });

  it('takes a URL with or without /v1 and refuses what is not an http(s) address', () => {
    for (const url of ['http://h:1', 'http://h:1/', 'http://h:1/v1', 'http://h:1/v1/']) {
      expect(normalizeUrl(url), url).toBe('http://h:1');
    }
    expect(normalizeUrl('https://h.example/gpufleet/v1/')).toBe('https://h.example/gpufleet');
    for (const url of ['notaurl', 'ftp://h', 'localhost:8080', 'http://h:1/?x=1']) {
      expect(() => normalizeUrl(url), url).toThrow(/--url must be/);
    }
  });
});

describe('yaml', () => {
  it('quotes what would read as another type and nests lists of maps under the dash', () => {
    expect(
      toYaml({ a: '1', b: 'true', c: null, d: [{ x: 1, y: [] }, 'plain', ['n']], e: 'has: colon', f: '', g: 'it is #1' }),
    ).toBe('a: "1"\nb: "true"\nc: null\nd:\n  - x: 1\n    "y": []\n  - plain\n  - - "n"\ne: "has: colon"\nf: ""\ng: "it is #1"');
    expect(toYaml([])).toBe('[]');
    expect(toYaml('x')).toBe('x');
  });
});
