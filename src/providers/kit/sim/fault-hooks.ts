import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultState } from './faults.ts';

/** A failure `FaultState.admit` decided on, for the simulator to answer in its cloud's wire format. */
export type InjectedFault = { kind: 'error' } | { kind: 'rate_limited'; retryAfterSec: number };

/**
 * When requests meet the injected faults. `request` (the default): as they arrive, before the body is read, so
 * every request counts, one to no route included. `handler`: just before the route handler, for a count key that
 * names what the body asks (RunPod's GraphQL root fields); requests to no route are then neither counted nor
 * faulted, since no handler would have seen them.
 */
export type AdmitAt = 'request' | 'handler';

export interface FaultHooks {
  faults: FaultState;
  /** The key of `requestCounts()` for a request (`GET /instances/{instance_id}`, `POST /graphql#myself`). */
  routeKey(request: FastifyRequest): string;
  admitAt?: AdmitAt;
  /** Answer an injected 500 or 429: the cloud's error body, its `Retry-After` and any headers of its own. */
  renderFault(fault: InjectedFault, request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /**
   * The cloud-specific half of `malformNext`: a successful body, as sent, with a wrong shape; null when this
   * answer has nothing to spoil (RunPod's resolver errors), and the fault then waits for the next answer.
   */
  corrupt(body: string): string | null;
}

/**
 * Register the fault admission and the malformed-reply hook. They go in before the simulator's own hooks, so an
 * injected fault answers before any check of its own (a token, a project header) can.
 */
export function registerFaultHooks(app: FastifyInstance, hooks: FaultHooks): void {
  const { faults } = hooks;
  const admit = async (request: FastifyRequest, reply: FastifyReply) => {
    if (hooks.admitAt === 'handler' && request.is404) return;
    const admission = await faults.admit(hooks.routeKey(request));
    if (admission.kind === 'ok') return;
    // Returning the reply ends the request here: no later hook and no handler runs.
    return hooks.renderFault(admission, request, reply);
  };
  app.addHook(hooks.admitAt === 'handler' ? 'preHandler' : 'onRequest', admit);

  // On the serialized body, so every answer is seen the same way: JSON of a route's value, bare text of an id.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode < 200 || reply.statusCode >= 300 || typeof payload !== 'string' || payload === '') return payload;
    if (faults.pending().malformed === 0) return payload;
    const corrupted = hooks.corrupt(payload);
    if (corrupted === null || !faults.takeMalformed()) return payload;
    return corrupted;
  });
}

/**
 * A `corrupt` for a JSON API: `spoil` gets the parsed body when it is an object or a list and returns the
 * wrong-shaped value, or null to leave this answer alone. Anything else (not JSON, a bare scalar) is left alone.
 */
export function corruptingJson(spoil: (body: object) => unknown): (body: string) => string | null {
  return (body) => {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return null;
    }
    if (value === null || typeof value !== 'object') return null;
    const spoiled = spoil(value);
    return spoiled === null ? null : JSON.stringify(spoiled);
  };
}
