import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultState } from '../../kit/sim/faults.ts';
import type { SimTokenIssuer } from '../../kit/sim/token-issuer.ts';
import type { AtlasWorld } from './state.ts';

/** What the simulator received, for tests that inspect the wire (newest last). */
export interface ReceivedRequest {
  method: string;
  /** The region whose API was called; null for the identity provider and the Management API. */
  region: string | null;
  /** Route template below the API root, e.g. `/instances/:id`. */
  route: string;
  url: string;
  projectId: string | null;
  body: unknown;
}

export interface SimContext {
  world: AtlasWorld;
  faults: FaultState;
  issuer: SimTokenIssuer;
  audience: string;
  /** `http://host:port` once listening. */
  origin: () => string;
  received: ReceivedRequest[];
}

export const REGION_PREFIX = '/regions/:region/api/v1alpha1';
export const GLOBAL_PREFIX = '/api/v1alpha1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Route option marking the routes that need `X-PROJECT-ID`. */
export const PROJECT_SCOPED = { config: { projectScoped: true } };

/**
 * The same for the project-scoped routes whose document lists no 404 (`GET` and `POST /filesystems`): there an
 * unknown project is answered with the 403 they do list, as a project the token cannot reach.
 */
export const PROJECT_SCOPED_NO_404 = { config: { projectScoped: true, unknownProjectStatus: 403 } };

export interface RouteConfig {
  projectScoped?: boolean;
  unknownProjectStatus?: 403 | 404;
}

/** Every Atlas error body is `{message}`. */
export function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ message });
}

export function regionOf(request: FastifyRequest): string {
  return (request.params as { region?: string }).region ?? '';
}

export function projectOf(request: FastifyRequest): string {
  return String(request.headers['x-project-id'] ?? '');
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
