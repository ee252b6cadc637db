import { describe, expect, it } from 'vitest';
import type { VmStatus } from '../../core/domain/types.ts';
import type { RawResponse } from '../kit/http.ts';
import { apiRoot } from './adapter.ts';
import { parseBareId } from './client.ts';
import { verdaErrorFromResponse, verdaTokenErrorFromResponse } from './errors.ts';
import { chooseVerdaImage, gpufleetTag, hostnameFrom, jupyterUrlOf, readGpufleetTag } from './mapping.ts';
import { buildOffers, gpuSpecOf, locationOf } from './offers.ts';
import { mapVerdaStatus, VERDA_STATUS_RULES, VerdaStatusMapper } from './status.ts';
import type { Image, InstanceType } from './wire.ts';

const plain = { startedByUs: false, deletedByUs: false, spot: false };

describe('verda status mapping', () => {
  // Every value of the OpenAPI enum and the SDK-only ones, with the state gpufleet shows.
  const table: [string, VmStatus, string | null][] = [
    ['new', 'Provisioning', null],
    ['ordered', 'Provisioning', null],
    ['validating', 'Provisioning', null],
    ['pending', 'Provisioning', null],
    ['provisioning', 'Provisioning', null],
    ['restoring', 'Starting', null],
    ['running', 'Running', null],
    ['starting_hibernation', 'Stopping', null],
    ['deleting', 'Stopping', null],
    ['offline', 'Stopped', null],
    ['hibernating', 'Stopped', null],
    ['discontinued', 'Destroyed', null],
    ['notfound', 'Destroyed', null],
    ['no_capacity', 'Error', 'capacity'],
    ['installation_failed', 'Error', 'install_failed'],
    ['error', 'Error', null],
    ['unknown', 'Unknown', null],
  ];

  it.each(table)('maps %s to %s', (raw, status, reason) => {
    expect(mapVerdaStatus(raw, plain)).toEqual({ status, statusReason: reason });
  });

  it('covers every status it knows in the table above', () => {
    expect(Object.keys(VERDA_STATUS_RULES).sort()).toEqual(table.map(([raw]) => raw).sort());
  });

  it('reads provisioning after our own start as Starting', () => {
    expect(mapVerdaStatus('provisioning', { ...plain, startedByUs: true })?.status).toBe('Starting');
    expect(mapVerdaStatus('ordered', { ...plain, startedByUs: true })?.status).toBe('Provisioning');
  });

  it('reads a spot instance discontinued without our delete as preempted', () => {
    expect(mapVerdaStatus('discontinued', { ...plain, spot: true })).toEqual({ status: 'Destroyed', statusReason: 'preempted' });
    expect(mapVerdaStatus('discontinued', { ...plain, spot: true, deletedByUs: true })?.statusReason).toBeNull();
    expect(mapVerdaStatus('discontinued', plain)?.statusReason).toBeNull();
  });

  it('maps anything new to Unknown and warns once per raw value', () => {
    const warnings: unknown[] = [];
    const mapper = new VerdaStatusMapper({ info() {}, warn: (_msg, fields) => warnings.push(fields), error() {} });
    expect(mapper.map('quantum_flux', plain).status).toBe('Unknown');
    expect(mapper.map('quantum_flux', plain).status).toBe('Unknown');
    expect(mapper.map('toString', plain).status).toBe('Unknown');
    expect(warnings).toEqual([
      { provider: 'verda', providerStatus: 'quantum_flux' },
      { provider: 'verda', providerStatus: 'toString' },
    ]);
  });
});

function raw(status: number, body: unknown, init: { method?: string; headers?: Record<string, string> } = {}): RawResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    status,
    headers: new Headers(init.headers),
    text,
    json: typeof body === 'string' ? undefined : body,
    method: init.method ?? 'GET',
    route: '/instances',
  };
}

describe('verda error mapping', () => {
  const cases: [string, RawResponse, string][] = [
    ['"Invalid instance id" as 400', raw(400, { code: 'invalid_request', message: 'Invalid instance id' }), 'not_found'],
    ['"Invalid instance id" as 404', raw(404, { code: 'not_found', message: 'Invalid instance id' }), 'not_found'],
    [
      'delete of a provisioning instance',
      raw(400, { code: 'invalid_request', message: "Can't discontinue a provisioning instance" }, { method: 'PUT' }),
      'retry_later',
    ],
    [
      'delete of a discontinued instance',
      raw(400, { code: 'invalid_request', message: "Can't discontinue a discontinued instance" }, { method: 'PUT' }),
      'not_found',
    ],
    ['start of an instance in error', raw(400, { code: 'invalid_request', message: "Can't start a error instance" }), 'conflict'],
    [
      '503 "Not enough resources" on create',
      raw(
        503,
        {
          code: 'service_unavailable',
          message: 'Not enough resources at the moment, try again later or use a different resource',
        },
        { method: 'POST' },
      ),
      'capacity',
    ],
    [
      '503 service_unavailable with no message on create',
      raw(503, { code: 'service_unavailable', message: '' }, { method: 'POST' }),
      'capacity',
    ],
    ['503 from a proxy on a read', raw(503, '<html>Service Unavailable</html>'), 'unavailable'],
    ['500 server_error', raw(500, { code: 'server_error', message: 'Error on our side' }), 'unavailable'],
    ['401', raw(401, { code: 'unauthorized_request', message: 'Access token is missing or invalid' }), 'auth'],
    ['403 insufficient scope', raw(403, { code: 'forbidden_action', message: 'Insufficient scope' }), 'auth'],
    ['403 forbidden action', raw(403, { code: 'forbidden_action', message: "Can't perform the current action" }), 'conflict'],
    ['402', raw(402, { code: 'insufficient_funds', message: 'Not enough funds' }), 'payment_required'],
    ['409', raw(409, { code: 'conflict', message: 'Duplicate' }), 'conflict'],
    ['script quota', raw(403, { code: 'forbidden_action', message: 'Startup script quota of 100 exceeded' }), 'quota'],
    ['other 400', raw(400, { code: 'invalid_request', message: 'location_code is required' }), 'invalid_request'],
  ];

  it.each(cases)('types %s', (_name, response, kind) => {
    const error = verdaErrorFromResponse(response);
    expect(error.kind).toBe(kind);
    expect(error.provider).toBe('verda');
    expect(error.status).toBe(response.status);
  });

  it('reads a 429 whose body is not JSON, keeping Retry-After', () => {
    const error = verdaErrorFromResponse(raw(429, 'Retry later', { headers: { 'Retry-After': '49' } }));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(49_000);
    expect(error.message).toContain('Retry later');
  });

  it('treats 400 and 401 from the token endpoint as auth', () => {
    const unsupported = raw(400, { code: 'invalid_request', message: 'unsupported grant type' }, { method: 'POST' });
    expect(verdaTokenErrorFromResponse(unsupported).kind).toBe('auth');
    const refused = raw(401, { code: 'unauthorized_request', message: 'Invalid client id or client secret' }, { method: 'POST' });
    expect(verdaTokenErrorFromResponse(refused).kind).toBe('auth');
    expect(verdaTokenErrorFromResponse(raw(500, { code: 'server_error', message: '' })).kind).toBe('unavailable');
  });
});

describe('verda bare-id bodies', () => {
  const id = 'b6a57e8c-d8af-4dd7-be9d-7d79f8575a90';
  it.each([
    ['plain text', id],
    ['plain text with a newline', `${id}\n`],
    ['a JSON string', JSON.stringify(id)],
    ['a JSON string with whitespace', `  ${JSON.stringify(id)}\r\n`],
    ['a JSON object with id', JSON.stringify({ id })],
  ])('reads %s', (_name, body) => {
    expect(parseBareId(body, 'POST /instances')).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['an object without id', '{"id":null}'],
    ['prose', 'instance created'],
    ['a number', '42.5'],
  ])('rejects %s as bad_response', (_name, body) => {
    expect(() => parseBareId(body, 'POST /instances')).toThrow(
      expect.objectContaining({ kind: 'bad_response', provider: 'verda' }),
    );
  });
});

describe('verda tag, hostname, image and Jupyter', () => {
  it('round-trips the gpufleet tag through the description', () => {
    const id = 'c0ffee00-1234-4abc-8def-0123456789ab';
    expect(readGpufleetTag(gpufleetTag(id))).toBe(id);
    expect(readGpufleetTag(`manual note ${gpufleetTag(id)}`)).toBe(id);
    expect(readGpufleetTag('ubuntu-22-04-cuda-12-0-docker-fin-01')).toBeNull();
    expect(readGpufleetTag(null)).toBeNull();
  });

  it('derives a valid hostname from any name', () => {
    expect(hostnameFrom('My Training Run #1 (ünïcode)', 'abcdef12-0000')).toBe('my-training-run-1-unicode');
    expect(hostnameFrom('---', 'ABCDEF12-0000')).toBe('gpufleet-abcdef12');
    const long = hostnameFrom('x'.repeat(59) + '-yyyy', 'id');
    expect(long.length).toBeLessThanOrEqual(60);
    expect(long).not.toMatch(/-$/);
  });

  const images = (...types: string[]): Image[] => types.map((t, i) => ({ id: String(i), image_type: t, name: t }));

  it('prefers the newest CUDA docker image of the Ubuntu release the type can boot', () => {
    const modern = images('ubuntu-24.04', 'ubuntu-24.04-cuda-12.6-docker', 'ubuntu-24.04-cuda-12.8-open-docker', 'jupyter');
    expect(chooseVerdaImage('ubuntu-24.04', modern)).toBe('ubuntu-24.04-cuda-12.8-open-docker');
    const legacy = images('ubuntu-24.04', 'ubuntu-22.04', 'ubuntu-24.04-cuda-12.6-docker', 'ubuntu-22.04-cuda-12.4-docker');
    expect(chooseVerdaImage('ubuntu-22.04', legacy)).toBe('ubuntu-22.04-cuda-12.4-docker');
    expect(chooseVerdaImage('ubuntu-24.04', images('ubuntu-24.04'))).toBe('ubuntu-24.04');
    expect(chooseVerdaImage('jupyter', modern)).toBe('jupyter');
    expect(chooseVerdaImage('windows-2022', modern)).toBeNull();
    // The -cuda names never fall back to the minimal image.
    expect(chooseVerdaImage('ubuntu-24.04-cuda', modern)).toBe('ubuntu-24.04-cuda-12.8-open-docker');
    expect(chooseVerdaImage('ubuntu-24.04-cuda', images('ubuntu-24.04'))).toBeNull();
  });

  it('builds a Jupyter URL only for the jupyter image with an IP and a token', () => {
    expect(jupyterUrlOf('jupyter', '203.0.113.7', 'abc123')).toBe('http://203.0.113.7:8888/lab?token=abc123');
    expect(jupyterUrlOf('ubuntu-24.04-cuda-12.8-open-docker', '203.0.113.7', 'abc123')).toBeNull();
    expect(jupyterUrlOf('jupyter', null, 'abc123')).toBeNull();
  });
});

function instanceType(overrides: Partial<InstanceType>): InstanceType {
  return {
    id: 'type-1',
    instance_type: '8H100.80S.176V',
    model: 'H100',
    name: 'H100 SXM5 80GB',
    display_name: null,
    manufacturer: 'NVIDIA',
    cpu: { description: '176 CPU', number_of_cores: 176 },
    gpu: { description: '8x H100 SXM5 80GB', number_of_gpus: 8 },
    gpu_memory: { description: '640GB GPU RAM', size_in_gigabytes: 640 },
    memory: { description: '1480GB RAM', size_in_gigabytes: 1480 },
    storage: { description: 'dynamic' },
    price_per_hour: '18.32',
    spot_price: '7.12',
    currency: 'usd',
    ...overrides,
  };
}

describe('verda offers', () => {
  it('reads GPU memory as a total across GPUs and the interconnect from the names', () => {
    expect(gpuSpecOf(instanceType({}))).toEqual({
      model: 'H100',
      vendor: 'NVIDIA',
      memoryGiB: 80,
      count: 8,
      interconnect: 'SXM',
    });
    const a6000 = instanceType({
      instance_type: '2A6000.20V',
      model: 'A6000',
      name: 'RTX A6000 48GB',
      gpu: { number_of_gpus: 2 },
      gpu_memory: { size_in_gigabytes: 96 },
    });
    expect(gpuSpecOf(a6000)).toMatchObject({ model: 'RTX A6000', memoryGiB: 48, count: 2, interconnect: 'PCIe' });
    const ada = instanceType({ model: 'RTX 6000 Ada', name: 'RTX 6000 Ada 48GB', instance_type: '1RTX6000ADA.10V' });
    expect(gpuSpecOf(ada).model).toBe('RTX 6000 Ada');
    const v100 = instanceType({ model: 'Tesla V100', name: 'Tesla V100 16GB', instance_type: '1V100.6V' });
    expect(gpuSpecOf(v100)).toMatchObject({ model: 'V100', interconnect: null });
  });

  it('maps locations with ISO country and region', () => {
    expect(locationOf({ code: 'ICE-01', name: 'Iceland 1', country_code: 'is' })).toEqual({
      code: 'ICE-01',
      name: 'Iceland 1',
      country: 'Iceland',
      countryAbbr: 'IS',
      region: 'europe',
    });
    expect(locationOf({ code: 'US-01', name: 'Texas 1', country_code: 'US' }).region).toBe('north-america');
  });

  it('offers each GPU type per location, on-demand and spot, with string prices per VM-hour', () => {
    const offers = buildOffers({
      types: [
        instanceType({}),
        instanceType({ instance_type: 'CPU.4V.16G', gpu: { number_of_gpus: 0 }, price_per_hour: '0.035' }),
        instanceType({ instance_type: '1RTXPRO6000.28V', model: 'RTX PRO 6000', spot_price: '0' }),
      ],
      locations: [
        { code: 'FIN-01', name: 'Finland 1', country_code: 'FI' },
        { code: 'FIN-03', name: 'Finland 3', country_code: 'FI' },
      ],
      onDemand: [{ location_code: 'FIN-01', availabilities: ['8H100.80S.176V'] }],
      spot: [{ location_code: 'FIN-03', availabilities: ['8H100.80S.176V', '1RTXPRO6000.28V'] }],
    });
    const key = (o: (typeof offers)[number]) => `${o.providerSkuId}@${o.location.code}${o.spot ? ':spot' : ''}=${o.available}`;
    expect(offers.map(key).sort()).toEqual(
      [
        '8H100.80S.176V@FIN-01=true',
        '8H100.80S.176V@FIN-01:spot=false',
        '8H100.80S.176V@FIN-03=false',
        '8H100.80S.176V@FIN-03:spot=true',
        '1RTXPRO6000.28V@FIN-01=false',
        '1RTXPRO6000.28V@FIN-03=false',
      ].sort(),
    );
    const h100 = offers.find((o) => o.providerSkuId === '8H100.80S.176V' && !o.spot);
    expect(h100?.pricePerHour).toEqual({ amount: 18.32, currency: 'usd' });
    expect(offers.find((o) => o.spot)?.pricePerHour).toEqual({ amount: 7.12, currency: 'usd' });
    expect(h100).toMatchObject({ vcpu: 176, ramGiB: 1480, diskGB: 100, machineKind: 'vm' });
  });
});

describe('verda account base URL', () => {
  it('adds /v1 to a bare host and leaves a full API root alone', () => {
    expect(apiRoot('https://api.verda.com')).toBe('https://api.verda.com/v1');
    expect(apiRoot('https://api.verda.com/')).toBe('https://api.verda.com/v1');
    expect(apiRoot('https://api.verda.com/v1/')).toBe('https://api.verda.com/v1');
    expect(apiRoot('http://127.0.0.1:4010/v1')).toBe('http://127.0.0.1:4010/v1');
  });
});
