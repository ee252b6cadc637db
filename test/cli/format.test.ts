import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryString } from '../../src/cli/client.ts';
import { resolveConfig } from '../../src/cli/config.ts';
import { colorEnabled, paintStatus, stripColor } from '../../src/cli/format/colors.ts';
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
  it('takes flags over the environment and defaults the URL', () => {
    expect(resolveConfig({}, { GPUFLEET_DATA_DIR: '/nonexistent' })).toEqual({
      url: 'http://127.0.0.1:8080',
      apiKey: null,
      apiKeySource: 'none',
      json: false,
    });
    const env = { GPUFLEET_URL: 'http://env:1/', GPUFLEET_API_KEY: 'env-key' };
    expect(resolveConfig({}, env)).toMatchObject({ url: 'http://env:1', apiKey: 'env-key', apiKeySource: 'env' });
    expect(resolveConfig({ url: 'http://flag:2', apiKey: 'flag-key', json: true }, env)).toEqual({
      url: 'http://flag:2',
      apiKey: 'flag-key',
      apiKeySource: 'flag',
      json: true,
    });
  });

  it("falls back to the local sandbox's admin key file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-config-'));
    writeFileSync(join(dir, 'admin-key'), 'sandbox-admin-key\n');
    expect(resolveConfig({}, { GPUFLEET_DATA_DIR: dir })).toMatchObject({ apiKey: 'sandbox-admin-key', apiKeySource: 'file' });
  });
});
