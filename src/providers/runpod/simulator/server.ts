import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type DocumentNode, type ExecutionResult, execute, GraphQLError, Kind, parse, validate } from 'graphql';
import type { FaultState } from '../../kit/sim/faults.ts';
import { SOMETHING_WENT_WRONG } from './errors.ts';
import { malformData } from './malform.ts';
import { runpodSchema } from './schema.ts';

export interface ServerDeps {
  faults: FaultState;
  apiKey: string;
  rootValue: Record<string, unknown>;
}

interface GraphqlBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/**
 * RunPod's GraphQL endpoint: `POST /graphql`, the key as `Authorization: Bearer` or `?api_key=`, resolver
 * errors with HTTP 200, malformed queries and variables with HTTP 400, a bad key with 401.
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.post('/graphql', (request, reply) => handle(deps, request, reply));
  return app;
}

async function handle(deps: ServerDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = (request.body ?? {}) as GraphqlBody;
  let document: DocumentNode | null = null;
  let syntaxError: GraphQLError | null = null;
  if (typeof body.query === 'string') {
    try {
      document = parse(body.query);
    } catch (error) {
      syntaxError = error instanceof GraphQLError ? error : new GraphQLError(String(error));
    }
  }

  const admission = await deps.faults.admit(`POST /graphql#${rootFields(document)}`);
  if (admission.kind === 'rate_limited') {
    return reply
      .code(429)
      .header('Retry-After', String(admission.retryAfterSec))
      .send(errorBody('Too Many Requests', 'RATE_LIMITED'));
  }
  if (admission.kind === 'error') return reply.code(500).send(errorBody(SOMETHING_WENT_WRONG, 'INTERNAL_SERVER_ERROR'));

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
  if (!errors?.length && deps.faults.takeMalformed()) return reply.code(200).send({ data: malformData(result.data) });
  return reply.code(200).send(errors?.length ? { errors, data: result.data } : { data: result.data });
}

function keyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() : undefined;
  if (bearer) return bearer;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.api_key === 'string' ? query.api_key : undefined;
}

/** `myself`, `podStop`, `gpuTypes+dataCenters`: what a request asks for, for the request counts. */
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
