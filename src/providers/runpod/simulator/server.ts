import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DocumentNode, type ExecutionResult, execute, GraphQLError, Kind, parse, validate } from 'graphql';
import { corruptingJson, type InjectedFault } from '../../kit/sim/fault-hooks.ts';
import { SOMETHING_WENT_WRONG } from './errors.ts';
import { malformData } from './malform.ts';
import { runpodSchema } from './schema.ts';

export interface GraphqlDeps {
  apiKey: string;
  rootValue: Record<string, unknown>;
}

interface GraphqlBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

type ParsedQuery = { document: DocumentNode | null; syntaxError: GraphQLError | null };

/**
 * RunPod's GraphQL endpoint: `POST /graphql`, the key as `Authorization: Bearer` or `?api_key=`, resolver
 * errors with HTTP 200, malformed queries and variables with HTTP 400, a bad key with 401.
 */
export function registerGraphqlRoute(app: FastifyInstance, deps: GraphqlDeps): void {
  app.post('/graphql', (request, reply) => handle(deps, request, reply));
}

/** `POST /graphql#myself`, `#podStop`, `#gpuTypes+dataCenters`: what a request asks for, for the request counts. */
export function runpodRouteKey(request: FastifyRequest): string {
  return `POST /graphql#${rootFields(parsedQuery(request).document)}`;
}

/** Injected faults as RunPod's gateway answers them: HTTP 429 and 500 with a GraphQL `errors` body. */
export function renderRunpodFault(fault: InjectedFault, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (fault.kind === 'error') return reply.code(500).send(errorBody(SOMETHING_WENT_WRONG, 'INTERNAL_SERVER_ERROR'));
  return reply.code(429).header('Retry-After', String(fault.retryAfterSec)).send(errorBody('Too Many Requests', 'RATE_LIMITED'));
}

/** `malformNext` spoils the `data` of an answer without resolver errors; one with errors is left for the next. */
export const corruptRunpodBody = corruptingJson((body) => {
  const { data, errors } = body as { data?: unknown; errors?: unknown[] };
  return errors?.length ? null : { data: malformData(data) };
});

// The fault hook reads the query for its count key before the handler runs it: parse each body once.
const parsed = new WeakMap<FastifyRequest, ParsedQuery>();

function parsedQuery(request: FastifyRequest): ParsedQuery {
  const known = parsed.get(request);
  if (known) return known;
  const body = (request.body ?? {}) as GraphqlBody;
  const query: ParsedQuery = { document: null, syntaxError: null };
  if (typeof body.query === 'string') {
    try {
      query.document = parse(body.query);
    } catch (error) {
      query.syntaxError = error instanceof GraphQLError ? error : new GraphQLError(String(error));
    }
  }
  parsed.set(request, query);
  return query;
}

async function handle(deps: GraphqlDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = (request.body ?? {}) as GraphqlBody;
  const { document, syntaxError } = parsedQuery(request);
  if (keyOf(request) !== deps.apiKey) {
    return reply.code(401).send(errorBody('Unauthorized request, please check your API key.', 'UNAUTHENTICATED'));
  }
  if (syntaxError) return reply.code(400).send({ errors: [withCode(syntaxError, 'GRAPHQL_PARSE_FAILED')] });
  if (!document) return reply.code(400).send(errorBody('Must provide query string.', 'BAD_REQUEST'));

  const schema = runpodSchema;
  const invalid = validate(schema, document);
  if (invalid.length > 0) return reply.code(400).send({ errors: invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED')) });

  const result: ExecutionResult = await execute({
    schema,
    document,
    rootValue: deps.rootValue,
    variableValues: isRecord(body.variables) ? body.variables : undefined,
    operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
  });
  // Variables that do not fit their types stop execution before any resolver: a 400 like validation.
  if (result.data === undefined || result.data === null) {
    if (result.errors?.length) return reply.code(400).send({ errors: result.errors.map((e) => withCode(e, 'BAD_USER_INPUT')) });
  }
  const errors = result.errors?.map((e) => e.toJSON());
  return reply.code(200).send(errors?.length ? { errors, data: result.data } : { data: result.data });
}

function keyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() : undefined;
  if (bearer) return bearer;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.api_key === 'string' ? query.api_key : undefined;
}

function rootFields(document: DocumentNode | null): string {
  const operation = document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 'invalid';
  const names = operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '...'));
  return names.join('+') || 'empty';
}

function errorBody(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

function withCode(error: GraphQLError, code: string) {
  const json = error.toJSON();
  return { ...json, extensions: { ...json.extensions, code } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
