import Fastify, { type FastifyInstance } from 'fastify';
import { type FaultHooks, registerFaultHooks } from './fault-hooks.ts';

export interface SimServerOptions extends FaultHooks {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The address to listen on; 127.0.0.1 unless told. */
  host?: string;
  /** The API root below the origin, as the adapter expects it (`/v1`, `/graphql`): `baseUrl` is the origin plus this. */
  apiRoot: string;
  /**
   * The simulator's own routes, hooks, body parsers and error handlers, registered after the fault hooks.
   * `origin()` is the server's `http://host:port`, known once it listens (for answers that carry URLs).
   */
  routes(app: FastifyInstance, origin: () => string): void | Promise<void>;
  /**
   * The world's own shutdown (its timers, its state file). It runs once, after the server has stopped taking
   * requests, so no request can start a timer or change the state behind it; and when the server cannot listen.
   */
  release?: () => void | Promise<void>;
}

export interface SimServer {
  /** `http://host:port`, reachable from this machine. */
  origin: string;
  baseUrl: string;
  /** Stop the server, then release the world; a second call waits for the first. */
  close(): Promise<void>;
}

/**
 * Start a simulator's HTTP server: listening and the address it reports, fault admission per request (with the
 * request counts), malformed replies. The simulator brings its routes and its cloud's wire format.
 */
export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const app = Fastify({ logger: false });
  registerFaultHooks(app, options);
  let origin = '';
  await options.routes(app, () => origin);

  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    await options.release?.();
    throw error;
  }
  const address = app.server.address();
  origin = reachableOrigin(host, typeof address === 'object' && address ? address.port : (options.port ?? 0));

  let closing: Promise<void> | null = null;
  return {
    origin,
    baseUrl: `${origin}${options.apiRoot}`,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await options.release?.();
      })();
      return closing;
    },
  };
}

/**
 * The origin a client on this machine reaches a server listening on `host` at. A wildcard address is no address
 * to connect to: a server on 0.0.0.0 (or on ::, dual-stack by default) answers on 127.0.0.1. IPv6 literals go in
 * brackets.
 */
export function reachableOrigin(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
