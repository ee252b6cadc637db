import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import type { ProviderDeps, ProviderLogger } from '../../core/provider/provider.ts';
import { HttpClient, reportProviderError } from '../kit/http.ts';
import { parseWire } from '../kit/parse.ts';
import { errorFromGraphql, errorFromResponse, PROVIDER_ID } from './errors.ts';
import type { GraphqlOperation } from './queries.ts';
import { GraphqlEnvelope } from './wire.ts';

export interface RunpodClientOptions {
  accountId: string;
  /** The GraphQL endpoint itself, e.g. `https://api.runpod.io/graphql`. */
  baseUrl: string;
  apiKey: string;
  logger: ProviderLogger;
  onCall?: ProviderDeps['onProviderCall'];
  observer?: ProviderDeps['observer'];
}

/**
 * RunPod's GraphQL API over the kit's HTTP client: `POST <endpoint>` with `{query, variables}`, the key as
 * `Authorization: Bearer` (what the current SDKs and CLI send), resolver errors from HTTP 200 bodies
 * turned into typed errors, and every `data` checked against its schema.
 */
export class RunpodClient {
  private readonly http: HttpClient;

  constructor(private readonly options: RunpodClientOptions) {
    this.http = new HttpClient({
      provider: PROVIDER_ID,
      accountId: options.accountId,
      baseUrl: options.baseUrl,
      userAgent: 'gpufleet-runpod',
      errorFromResponse,
      logger: options.logger,
      onCall: options.onCall,
      observer: options.observer,
    });
  }

  async run<S extends TSchema>(operation: GraphqlOperation, schema: S, variables?: Record<string, unknown>): Promise<Static<S>> {
    try {
      return await this.send(operation, schema, variables);
    } catch (error) {
      // Resolver errors arrive in HTTP 200 bodies: the HTTP client cannot see them.
      reportProviderError(this.options.observer, this.options.accountId, `/graphql#${operation.name}`, error);
      throw error;
    }
  }

  private async send<S extends TSchema>(
    operation: GraphqlOperation,
    schema: S,
    variables?: Record<string, unknown>,
  ): Promise<Static<S>> {
    const response = await this.http.request({
      method: 'POST',
      path: '',
      route: `/graphql#${operation.name}`,
      json: { operationName: operation.name, query: operation.query, variables: variables ?? {} },
      // A static key: there is nothing to renew on 401, so it goes in plain headers rather than `HttpAuth`.
      headers: { Authorization: `Bearer ${this.options.apiKey}` },
      retrySafe: operation.retrySafe,
    });
    const what = `${operation.name} (GraphQL)`;
    const envelope = parseWire(GraphqlEnvelope, response.json, { provider: PROVIDER_ID, what });
    const first = envelope.errors?.[0];
    if (first) throw errorFromGraphql(first, operation.name, response.status);
    // Checked inside its envelope so a bad field is named from the body's root (`/data/myself/pods/0/…`).
    return parseWire(dataEnvelope(schema), { data: envelope.data }, { provider: PROVIDER_ID, what }).data as Static<S>;
  }
}

const envelopes = new WeakMap<TSchema, TObject>();

function dataEnvelope(schema: TSchema): TObject {
  let envelope = envelopes.get(schema);
  if (!envelope) {
    envelope = Type.Object({ data: schema });
    envelopes.set(schema, envelope);
  }
  return envelope;
}
