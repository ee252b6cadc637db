import type { FastifyReply } from 'fastify';
import type { ListingVisibility } from '../../kit/sim/listing-visibility.ts';
import type { CapacityModel } from './capacity.ts';
import type { InstanceLifecycle } from './lifecycle.ts';
import type { TokenStore } from './tokens.ts';
import type { VolumeLifecycle } from './volumes.ts';
import type { VerdaWorld } from './world.ts';

/** How a create answers with the new id: bare text (what the SDKs read) or a JSON string (the seed's example). */
export type IdBodyStyle = 'text' | 'json';

/** What the route handlers share. */
export interface SimContext {
  world: VerdaWorld;
  lifecycle: InstanceLifecycle;
  volumes: VolumeLifecycle;
  capacity: CapacityModel;
  tokens: TokenStore;
  /** Instances a test has hidden from listings (a cloud that lists new instances late). */
  listing: ListingVisibility;
  idBodies: { style: IdBodyStyle };
}

/** Verda answers creates (instances, volumes, SSH keys, scripts) with nothing but the new id. */
export function sendId(reply: FastifyReply, context: SimContext, status: number, id: string): FastifyReply {
  if (context.idBodies.style === 'json') {
    return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(id));
  }
  return reply.code(status).type('text/plain; charset=utf-8').send(id);
}

/** A JSON body as a plain record (anything else reads as empty, and the handler rejects missing fields). */
export function fieldsOf(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
