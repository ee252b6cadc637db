import type { TSchema } from '@sinclair/typebox';
import { isProviderError } from '../../core/provider/errors.ts';
import type { ProviderDeps, ProviderLogger } from '../../core/provider/provider.ts';
import { HttpClient, type HttpRequest, type HttpResponse, reportProviderError } from '../kit/http.ts';
import { TokenSource } from '../kit/oauth2.ts';
import { parseWire } from '../kit/parse.ts';
import { atlasError, tokenError } from './errors.ts';
import { PROVIDER_ID, type RegionConfig, type ResolvedSettings } from './settings.ts';
import {
  CapacityList,
  type CreateFilesystemBody,
  type CreateInstanceBody,
  Filesystem,
  FilesystemList,
  Instance,
  InstanceList,
  InstanceTypeList,
  Project,
  ProjectList,
  RegionList,
  TokenResponse,
} from './wire.ts';

const USER_AGENT = 'gpufleet/0.1 (+fluidstack-atlas)';

export interface FluidstackClientOptions {
  accountId: string;
  /** The global Management API root. */
  globalBaseUrl: string;
  settings: ResolvedSettings;
  credentials: { clientId: string; clientSecret: string };
  logger: ProviderLogger;
  onCall?: ProviderDeps['onProviderCall'];
  observer?: ProviderDeps['observer'];
}

/**
 * The Atlas wire client: one HTTP client for the identity provider, one for the global Management API and
 * one per region (each region is its own host). Every call carries a bearer token from the shared token
 * source; project-scoped calls also carry `X-PROJECT-ID`. Every response body is checked by its schema.
 */
export class FluidstackClient {
  private readonly tokens: TokenSource;
  private readonly global: HttpClient;
  private readonly regional = new Map<string, HttpClient>();

  private readonly observer: ProviderDeps['observer'];
  private readonly accountId: string;

  constructor(options: FluidstackClientOptions) {
    this.observer = options.observer;
    this.accountId = options.accountId;
    const { accountId, logger, onCall, observer, settings, credentials } = options;
    const common = { provider: PROVIDER_ID, accountId, userAgent: USER_AGENT, logger, onCall, observer };
    const tokenHttp = new HttpClient({ ...common, baseUrl: settings.tokenUrl, errorFromResponse: tokenError });
    // Client credentials get no refresh token: a new token is simply requested when the old one expires.
    this.tokens = new TokenSource({
      provider: PROVIDER_ID,
      fetchToken: async () => {
        const response = await tokenHttp.request({
          method: 'POST',
          path: '',
          route: '/oauth/token',
          anonymous: true,
          // Asking for a token twice does no harm.
          retrySafe: true,
          form: {
            grant_type: 'client_credentials',
            client_id: credentials.clientId,
            client_secret: credentials.clientSecret,
            audience: settings.audience,
          },
        });
        const grant = parseWire(TokenResponse, response.json, { provider: PROVIDER_ID, what: 'the token request' });
        return { accessToken: grant.access_token, expiresInSec: grant.expires_in };
      },
    });
    const auth = {
      headers: async () => ({ Authorization: `Bearer ${await this.tokens.get()}` }),
      onUnauthorized: () => this.tokens.invalidate(),
    };
    this.global = new HttpClient({
      ...common,
      auth,
      baseUrl: options.globalBaseUrl,
      errorFromResponse: (raw) => atlasError(raw, { region: null, projectId: null }),
    });
    for (const region of settings.regions) {
      this.regional.set(
        region.name,
        new HttpClient({
          ...common,
          auth,
          baseUrl: region.baseUrl,
          errorFromResponse: (raw) => atlasError(raw, { region: region.name, projectId: region.projectId }),
        }),
      );
    }
  }

  /** Management API: the regions the organisation can use. Also proves the credentials work. */
  async listRegions() {
    return this.read(this.global, { method: 'GET', path: '/regions' }, RegionList, 'GET /regions');
  }

  /** Projects are per region and listed by the regional API (no project header). */
  async listProjects(region: RegionConfig) {
    return this.read(this.http(region), { method: 'GET', path: '/projects' }, ProjectList, `GET /projects in ${region.name}`);
  }

  async getProject(region: RegionConfig, projectId: string) {
    return this.read(
      this.http(region),
      { method: 'GET', path: `/projects/${encodeURIComponent(projectId)}`, route: '/projects/{id}' },
      Project,
      `GET /projects/{id} in ${region.name}`,
    );
  }

  /** Instance types need no project header. */
  async listInstanceTypes(region: RegionConfig) {
    return this.read(
      this.http(region),
      { method: 'GET', path: '/instance-types' },
      InstanceTypeList,
      `GET /instance-types in ${region.name}`,
    );
  }

  async listCapacity(region: RegionConfig) {
    return this.read(
      this.http(region),
      this.scoped(region, { method: 'GET', path: '/capacity' }),
      CapacityList,
      `GET /capacity in ${region.name}`,
    );
  }

  async listInstances(region: RegionConfig) {
    return this.read(
      this.http(region),
      this.scoped(region, { method: 'GET', path: '/instances' }),
      InstanceList,
      `GET /instances in ${region.name}`,
    );
  }

  /** `null` when the region says the instance does not exist. */
  async getInstance(region: RegionConfig, id: string) {
    try {
      return await this.read(
        this.http(region),
        this.scoped(region, { method: 'GET', path: `/instances/${encodeURIComponent(id)}`, route: '/instances/{id}' }),
        Instance,
        `GET /instances/{id} in ${region.name}`,
      );
    } catch (error) {
      if (isProviderError(error, 'not_found')) return null;
      throw error;
    }
  }

  /** Never retried: a create that timed out may have happened, and is found again by its tag. */
  async createInstance(region: RegionConfig, body: CreateInstanceBody) {
    return this.read(
      this.http(region),
      this.scoped(region, { method: 'POST', path: '/instances', json: body }),
      Instance,
      `POST /instances in ${region.name}`,
    );
  }

  /** 202 with no body (the document); an older revision answered 200 with the instance. Neither is read. */
  async instanceAction(region: RegionConfig, id: string, action: 'start' | 'stop'): Promise<void> {
    await this.send(
      this.http(region),
      this.scoped(region, {
        method: 'POST',
        path: `/instances/${encodeURIComponent(id)}/actions/${action}`,
        route: `/instances/{id}/actions/${action}`,
      }),
    );
  }

  /** 204 starts the deletion (`deleting`, then 404); a 404 means it is already gone. */
  async deleteInstance(region: RegionConfig, id: string): Promise<'accepted' | 'gone'> {
    try {
      await this.send(
        this.http(region),
        this.scoped(region, {
          method: 'DELETE',
          path: `/instances/${encodeURIComponent(id)}`,
          route: '/instances/{id}',
          // Deleting twice cannot do harm: the second answer is 204 or 404.
          retrySafe: true,
        }),
      );
      return 'accepted';
    } catch (error) {
      if (isProviderError(error, 'not_found')) return 'gone';
      throw error;
    }
  }

  /** The seed documents only `POST /filesystems` and `GET /filesystems/{id}`; this route is the document's. */
  async listFilesystems(region: RegionConfig) {
    return this.read(
      this.http(region),
      this.scoped(region, { method: 'GET', path: '/filesystems' }),
      FilesystemList,
      `GET /filesystems in ${region.name}`,
    );
  }

  /** Never retried: a create that timed out may have happened, and is found again by the gpufleet id in its name. */
  async createFilesystem(region: RegionConfig, body: CreateFilesystemBody) {
    return this.read(
      this.http(region),
      this.scoped(region, { method: 'POST', path: '/filesystems', json: body }),
      Filesystem,
      `POST /filesystems in ${region.name}`,
    );
  }

  /** 204 deletes it; a 404 means it is already gone. Like the list, a route of the document the seed lacks. */
  async deleteFilesystem(region: RegionConfig, id: string): Promise<'accepted' | 'gone'> {
    try {
      await this.send(
        this.http(region),
        this.scoped(region, {
          method: 'DELETE',
          path: `/filesystems/${encodeURIComponent(id)}`,
          route: '/filesystems/{id}',
          // Deleting twice cannot do harm: the second answer is 204 or 404.
          retrySafe: true,
        }),
      );
      return 'accepted';
    } catch (error) {
      if (isProviderError(error, 'not_found')) return 'gone';
      throw error;
    }
  }

  private http(region: RegionConfig): HttpClient {
    const http = this.regional.get(region.name);
    if (!http) throw new Error(`no HTTP client for region ${region.name}`);
    return http;
  }

  private scoped(region: RegionConfig, req: HttpRequest): HttpRequest {
    return { ...req, headers: { ...req.headers, 'X-PROJECT-ID': region.projectId } };
  }

  private async read<T extends TSchema>(http: HttpClient, req: HttpRequest, schema: T, what: string) {
    const response = await this.send(http, req);
    try {
      return parseWire(schema, response.json, { provider: PROVIDER_ID, what });
    } catch (error) {
      reportProviderError(this.observer, this.accountId, req.route ?? req.path, error);
      throw error;
    }
  }

  /**
   * The regional API documents 403, not 401, for a bad or expired token, and the kit re-authenticates only
   * on 401. So a 403 is answered once with a fresh token; a second 403 is a real permission problem.
   * A 403 was not acted on, so repeating even a create is safe.
   */
  private async send(http: HttpClient, req: HttpRequest): Promise<HttpResponse> {
    try {
      return await http.request(req);
    } catch (error) {
      if (!isProviderError(error, 'auth') || error.status !== 403) throw error;
      this.tokens.invalidate();
      return http.request(req);
    }
  }
}
