import { GraphQLError } from 'graphql';

/**
 * Resolver errors as RunPod sends them: HTTP 200 with `errors[]`. The GraphQL server stamps
 * `INTERNAL_SERVER_ERROR` on any error thrown inside a resolver; some resolvers set their own code (`RUNPOD`).
 */
export function fail(message: string, code = 'INTERNAL_SERVER_ERROR'): never {
  throw new GraphQLError(message, { extensions: { code } });
}

export const NO_INSTANCES =
  'There are no longer any instances available with the requested specifications. Please refresh and try again.';
export const HOST_FULL = 'There are not enough free GPUs on the host machine to start this pod.';
/** RunPod's answer when it cannot say what went wrong (also its HTTP 500 body). */
export const SOMETHING_WENT_WRONG = 'Something went wrong. Please try again later or contact support.';
