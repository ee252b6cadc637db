import type { TSchema } from '@sinclair/typebox';
import { ProviderError } from '../../core/provider/errors.ts';
import type { ProviderDeps, ProviderLogger } from '../../core/provider/provider.ts';
import { type HttpAuth, HttpClient, type HttpRequest, reportProviderError } from '../kit/http.ts';
import { TokenSource } from '../kit/oauth2.ts';
import { parseWire } from '../kit/parse.ts';
import { VERDA, verdaErrorFromResponse, verdaErrorKind, verdaTokenErrorFromResponse } from './errors.ts';
import {
  ActionResultList,
  AvailabilityList,
  Balance,
  type CreateVolumeBody,
  type DeleteVolumeBody,
  type DeployInstanceBody,
  ImageList,
  Instance,
  type InstanceActionBody,
  InstanceList,
  InstanceTypeList,
  LocationList,
  SshKeyList,
  StartupScriptList,
  TokenResponse,
  type VolumeActionBody,
  VolumeList,
  VolumeTypeList,
  VolumeWire,
} from './wire.ts';

/** Verda's OpenAPI marks `User-Agent` required on create (and on volume calls); it is sent on every request. */
export const VERDA_USER_AGENT = 'gpufleet/0.1 (verda adapter)';

export interface VerdaClientOptions {
  accountId: string;
  /** The API root including `/v1`, e.g. `https://api.verda.com/v1`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  logger: ProviderLogger;
  onCall?: ProviderDeps['onProviderCall'];
  observer?: ProviderDeps['observer'];
  /** HTTP tuning; the defaults suit production. */
  http?: { timeoutMs?: number; maxAttempts?: number; maxRetryWaitMs?: number; maxConcurrency?: number };
}

/** What a single-instance action did: `accepted` (202) or `unchanged` (204, already in the requested state). */
export type ActionOutcome = 'accepted' | 'unchanged';

/**
 * Verda's REST API, typed: OAuth2 client credentials with refresh, every answer checked against its wire
 * schema, every failure a typed `ProviderError`.
 */
export class VerdaClient {
  private readonly http: HttpClient;
  private readonly tokens: TokenSource;

  private readonly observer: ProviderDeps['observer'];
  private readonly accountId: string;

  constructor(options: VerdaClientOptions) {
    this.observer = options.observer;
    this.accountId = options.accountId;
    const common = {
      provider: VERDA,
      accountId: options.accountId,
      baseUrl: options.baseUrl,
      userAgent: VERDA_USER_AGENT,
      logger: options.logger,
      onCall: options.onCall,
      observer: options.observer,
      ...options.http,
    };
    // The token endpoint has its own client: a token fetched from inside a request that holds one of the
    // account's concurrency slots must never wait for a slot itself.
    const tokenHttp = new HttpClient({ ...common, errorFromResponse: verdaTokenErrorFromResponse });
    this.tokens = new TokenSource({
      provider: VERDA,
      fetchToken: () =>
        this.requestToken(tokenHttp, {
          grant_type: 'client_credentials',
          client_id: options.clientId,
          client_secret: options.clientSecret,
        }),
      // A refresh refused with 400/401 (the refresh token expired too) falls back to client credentials.
      refresh: (refreshToken) => this.requestToken(tokenHttp, { grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    const auth: HttpAuth = {
      headers: async () => ({ Authorization: `Bearer ${await this.tokens.get()}` }),
      onUnauthorized: () => this.tokens.invalidate(),
    };
    this.http = new HttpClient({ ...common, auth, errorFromResponse: verdaErrorFromResponse });
  }

  private async requestToken(http: HttpClient, body: Record<string, string>) {
    const response = await http.request({
      method: 'POST',
      path: '/oauth2/token',
      json: body,
      anonymous: true,
      // Asking for a token twice does no harm.
      retrySafe: true,
    });
    const token = this.parse(TokenResponse, response.json, 'POST /oauth2/token');
    return { accessToken: token.access_token, expiresInSec: token.expires_in, refreshToken: token.refresh_token ?? null };
  }

  private parse<T extends TSchema>(schema: T, value: unknown, what: string) {
    try {
      return parseWire(schema, value, { provider: VERDA, what });
    } catch (error) {
      reportProviderError(this.observer, this.accountId, what, error);
      throw error;
    }
  }

  private async getJson<T extends TSchema>(schema: T, req: Omit<HttpRequest, 'method'>) {
    const response = await this.http.request({ method: 'GET', ...req });
    return this.parse(schema, response.json, `GET ${req.route ?? req.path}`);
  }

  /** A cheap authenticated call that proves the credentials work. */
  balance() {
    return this.getJson(Balance, { path: '/balance' });
  }

  /** Public: needs no token. */
  instanceTypes(currency: 'usd' | 'eur') {
    return this.getJson(InstanceTypeList, { path: '/instance-types', query: { currency }, anonymous: true });
  }

  locations() {
    return this.getJson(LocationList, { path: '/locations' });
  }

  /** Availability per location. Spot and on-demand differ, so each is its own query. */
  availability(isSpot: boolean) {
    return this.getJson(AvailabilityList, { path: '/instance-availability', query: { is_spot: isSpot } });
  }

  /** Images that can boot this instance type (Verda answers 404 for an unknown type). */
  images(instanceType: string) {
    return this.getJson(ImageList, { path: '/images', query: { instance_type: instanceType } });
  }

  /** Every instance image of the account's catalog (`GET /images` without a type filter). */
  allImages() {
    return this.getJson(ImageList, { path: '/images' });
  }

  sshKeys() {
    return this.getJson(SshKeyList, { path: '/ssh-keys' });
  }

  /** One key. The real API answers an array of one element although the seed shows a single object. */
  async sshKey(id: string) {
    const [key] = await this.getJson(SshKeyList, {
      path: `/ssh-keys/${encodeURIComponent(id)}`,
      route: '/ssh-keys/{id}',
    });
    return key ?? null;
  }

  /** Register a public key; Verda answers 201 with the bare id. */
  async addSshKey(name: string, key: string): Promise<string> {
    const response = await this.http.request({ method: 'POST', path: '/ssh-keys', json: { name, key } });
    return parseBareId(response.text, 'POST /ssh-keys');
  }

  /** Scripts whose name contains `name` (Verda matches partially), first page of 100. */
  scriptsNamed(name: string) {
    return this.getJson(StartupScriptList, { path: '/scripts', query: { name, page: 1, pageSize: 100 } });
  }

  /** Save a startup script; Verda answers 201 with the bare id. */
  async addScript(name: string, script: string): Promise<string> {
    const response = await this.http.request({ method: 'POST', path: '/scripts', json: { name, script } });
    return parseBareId(response.text, 'POST /scripts');
  }

  /** Delete a startup script; one that is already gone is the goal reached. */
  async deleteScript(id: string): Promise<void> {
    try {
      await this.http.request({ method: 'DELETE', path: `/scripts/${encodeURIComponent(id)}`, route: '/scripts/{id}' });
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'not_found') return;
      throw error;
    }
  }

  instances() {
    return this.getJson(InstanceList, { path: '/instances' });
  }

  /** One instance, or null when Verda says it does not exist ("Invalid instance id", 400 or 404). */
  async instance(id: string) {
    try {
      return await this.getJson(Instance, { path: `/instances/${encodeURIComponent(id)}`, route: '/instances/{id}' });
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  /** Deploy; Verda answers 202 with nothing but the new id. Never retried: a timed-out create may have happened. */
  async deploy(body: DeployInstanceBody): Promise<string> {
    const response = await this.http.request({ method: 'POST', path: '/instances', json: body, retrySafe: false });
    return parseBareId(response.text, 'POST /instances');
  }

  /**
   * One action on one instance. 204 means it was already in the requested state; a 202/207 result list may
   * still carry a per-instance error, which is typed like a direct error answer. Actions are idempotent on
   * Verda's side (a repeat answers 204), so a timed-out one may be sent again.
   */
  async action(body: InstanceActionBody & { id: string }): Promise<ActionOutcome> {
    const response = await this.http.request({ method: 'PUT', path: '/instances', json: body, retrySafe: true });
    if (response.status === 204) return 'unchanged';
    if (response.text.trim() === '') return 'accepted';
    const results = this.parse(ActionResultList, response.json, 'PUT /instances');
    const mine = results.find((r) => r.instanceId === body.id) ?? results[0];
    if (mine?.status === 'error') {
      const status = mine.statusCode ?? 400;
      const message = mine.error ?? '';
      throw new ProviderError({
        provider: VERDA,
        kind: verdaErrorKind(status, undefined, message, 'PUT'),
        status,
        message: `${body.action} of ${body.id} failed (${status})${message ? `: ${message}` : ''}`,
      });
    }
    return 'accepted';
  }

  /** Every volume that is not deleted (`GET /volumes`, not paginated; 120 requests a minute). */
  volumes() {
    return this.getJson(VolumeList, { path: '/volumes' });
  }

  /** One volume, deleted ones included (their own shape); null when Verda says it does not exist. */
  async volume(id: string) {
    try {
      return await this.getJson(VolumeWire, { path: `/volumes/${encodeURIComponent(id)}`, route: '/volumes/{id}' });
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  /** Deleted volumes still in the trash (96 h), and those deleted for good, flagged. */
  volumesInTrash() {
    return this.getJson(VolumeList, { path: '/volumes/trash' });
  }

  /** Public: needs no token. Prices per GB-month. */
  volumeTypes() {
    return this.getJson(VolumeTypeList, { path: '/volume-types', anonymous: true });
  }

  /** Create a volume; Verda answers 202 with the bare id. Never retried: a timed-out create may have happened. */
  async createVolume(body: CreateVolumeBody): Promise<string> {
    const response = await this.http.request({ method: 'POST', path: '/volumes', json: body, retrySafe: false });
    return parseBareId(response.text, 'POST /volumes');
  }

  /**
   * One action on one volume (`PUT /volumes`), answered 202 without a body. Each action gpufleet sends is
   * idempotent (attaching to the same instance, renaming to the same name, resizing to the current size and
   * deleting a deleted volume change nothing), so a timed-out one may be sent again.
   */
  async volumeAction(body: VolumeActionBody): Promise<void> {
    await this.http.request({ method: 'PUT', path: '/volumes', json: body, retrySafe: true });
  }

  /**
   * `DELETE /volumes/{id}`: `accepted` (202) when the deletion started, `gone` when Verda says the volume is
   * already deleted (204) or does not exist.
   */
  async deleteVolume(id: string, permanently: boolean): Promise<'accepted' | 'gone'> {
    const body: DeleteVolumeBody = { is_permanent: permanently };
    try {
      const response = await this.http.request({
        method: 'DELETE',
        path: `/volumes/${encodeURIComponent(id)}`,
        route: '/volumes/{id}',
        json: body,
        retrySafe: true,
      });
      return response.status === 204 ? 'gone' : 'accepted';
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'not_found') return 'gone';
      throw error;
    }
  }
}

/**
 * Verda answers creates with the new id as the whole body: plain text per the SDKs, sometimes JSON-quoted
 * (the seed shows a JSON string, and the official Go SDK has met a JSON object with `id`). Accept all three.
 */
export function parseBareId(text: string, what: string): string {
  let value: unknown = text.trim();
  if (typeof value === 'string' && /^["{]/.test(value)) {
    try {
      value = JSON.parse(value);
    } catch {
      // Not JSON after all: judged as text below.
    }
  }
  if (value && typeof value === 'object' && 'id' in value) value = (value as { id: unknown }).id;
  if (typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/.test(value)) return value;
  throw new ProviderError({
    provider: VERDA,
    kind: 'bad_response',
    field: '/',
    message: `unexpected response to ${what}: expected the new id as the body, got ${JSON.stringify(text.slice(0, 60))}`,
  });
}
