import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError, badRequest } from '../errors.ts';

export interface UrlGuardOptions {
  /** Only these hosts (exact names, or `*.example.com` for its subdomains); null: any host. */
  allowedHosts: readonly string[] | null;
  /** Let webhooks reach private, loopback and link-local addresses (sandbox mode does by default). */
  allowPrivateAddresses: boolean;
  /** Resolves a host name to all its addresses (tests and the delivery worker pass the system resolver). */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

/** Where a checked URL may be connected to: the address the check approved (null: let the system resolve it). */
export interface CheckedUrl {
  url: URL;
  address: { address: string; family: 4 | 6 } | null;
}

/** A refusal by the guard, with the API error code that names it. */
export type GuardCode = 'INVALID_WEBHOOK_URL' | 'WEBHOOK_HOST_NOT_ALLOWED' | 'WEBHOOK_ADDRESS_NOT_ALLOWED';

/** A name that does not resolve by then is refused: a create or update must not hang on a dead resolver. */
const RESOLVE_TIMEOUT_MS = 5_000;

function systemResolve(host: string): Promise<{ address: string; family: number }[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('timed out'), { code: `no answer within ${RESOLVE_TIMEOUT_MS / 1000} s` })),
      RESOLVE_TIMEOUT_MS,
    );
    timer.unref();
  });
  return Promise.race([dnsLookup(host, { all: true, verbatim: true }), timeout]).finally(() => clearTimeout(timer));
}

/**
 * What a webhook URL may point at. A receiver is named by users but called by the server, so without this
 * anyone who can create a webhook could make gpufleet POST to its own network (cloud metadata, databases on
 * loopback, the private LAN). The check runs at create and update, and again before every delivery: a name
 * may resolve elsewhere later, so the delivery connects only to the address this check approved.
 */
export class UrlGuard {
  private readonly allowedHosts: readonly string[] | null;
  private readonly resolve: NonNullable<UrlGuardOptions['resolve']>;

  constructor(private readonly options: UrlGuardOptions) {
    const hosts = options.allowedHosts?.map((h) => h.trim().toLowerCase()).filter((h) => h !== '') ?? [];
    this.allowedHosts = hosts.length > 0 ? hosts : null;
    this.resolve = options.resolve ?? systemResolve;
  }

  get allowsPrivateAddresses(): boolean {
    return this.options.allowPrivateAddresses;
  }

  /** The URL's form alone: scheme, no credentials, a host, and the allow-list. Throws a 400 `AppError`. */
  parse(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refuse('INVALID_WEBHOOK_URL', `url "${truncate(raw)}" is not a valid absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw refuse('INVALID_WEBHOOK_URL', `url must use http or https, not ${url.protocol.replace(/:$/, '')}`);
    if (url.username !== '' || url.password !== '')
      throw refuse(
        'INVALID_WEBHOOK_URL',
        'url must not carry credentials (user:password@); receivers verify the webhook-signature header instead',
      );
    if (url.hostname === '') throw refuse('INVALID_WEBHOOK_URL', 'url must name a host');
    const host = bareHost(url.hostname);
    if (this.allowedHosts && !this.allowedHosts.some((allowed) => hostMatches(host, allowed)))
      throw refuse(
        'WEBHOOK_HOST_NOT_ALLOWED',
        `host ${host} is not in the webhook host allow-list (${this.allowedHosts.join(', ')})`,
      );
    return url;
  }

  /** Form, allow-list and, unless private addresses are allowed, every address the host resolves to. */
  async check(raw: string): Promise<CheckedUrl> {
    const url = this.parse(raw);
    if (this.options.allowPrivateAddresses) return { url, address: null };
    const host = bareHost(url.hostname);
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch (error) {
        throw refuse('INVALID_WEBHOOK_URL', `host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? error})`);
      }
      if (addresses.length === 0) throw refuse('INVALID_WEBHOOK_URL', `host ${host} does not resolve`);
    }
    // One refused address refuses the host: a name that also points inward could be steered there.
    for (const { address } of addresses) {
      const range = addressRange(address);
      if (range !== 'unicast')
        throw refuse(
          'WEBHOOK_ADDRESS_NOT_ALLOWED',
          `${host === address ? 'address' : `host ${host} resolves to`} ${address}, a ${describeRange(range)} address; ` +
            'webhooks may only reach public addresses',
        );
    }
    const first = addresses[0]!;
    return { url, address: { address: first.address, family: first.family === 6 ? 6 : 4 } };
  }
}

function refuse(code: GuardCode, message: string): AppError {
  return badRequest(code, message, { field: 'body.url' });
}

/** ipaddr.js's name of the range an address is in (`unicast`: public); IPv4-mapped IPv6 is judged as IPv4. */
export function addressRange(address: string): string {
  if (!ipaddr.isValid(address)) return 'invalid';
  const parsed = ipaddr.process(address);
  // The metadata service of every major cloud; link-local already, named so the refusal says what it is.
  if (parsed.kind() === 'ipv4' && parsed.toString() === '169.254.169.254') return 'metadata';
  return parsed.range();
}

const RANGE_NAMES: Record<string, string> = {
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  carrierGradeNat: 'carrier-grade NAT',
  metadata: 'cloud metadata',
  reserved: 'reserved',
  invalid: 'invalid',
};

function describeRange(range: string): string {
  return RANGE_NAMES[range] ?? `non-public (${range})`;
}

/** `[::1]` → `::1`, lower case, no trailing dot. */
function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

function hostMatches(host: string, allowed: string): boolean {
  if (allowed.startsWith('*.')) return host.endsWith(allowed.slice(1)) && host.length > allowed.length - 1;
  return host === allowed;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Whether an error is a refusal by the guard (as opposed to a failure of the receiver). */
export function isGuardRefusal(error: unknown): error is AppError {
  return (
    error instanceof AppError &&
    (error.code === 'INVALID_WEBHOOK_URL' ||
      error.code === 'WEBHOOK_HOST_NOT_ALLOWED' ||
      error.code === 'WEBHOOK_ADDRESS_NOT_ALLOWED')
  );
}
