import { type App, type AppOptions, createApp, ephemeralSecretKey } from '../../src/app.ts';
import { silentLogger } from '../../src/logger.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore } from './stores.ts';

export interface Replicas {
  store: Store;
  replicas: { app: App; url: string }[];
  close(): Promise<void>;
}

/**
 * `count` gpufleet processes (production mode, no simulators) on one fresh PostgreSQL schema, each listening on
 * its own port, sharing one secret key and admin key as replicas behind a load balancer do.
 */
export async function startPgReplicas(
  count: number,
  options: { adminKey: string; timing?: AppOptions['timing']; rateLimitPerMinute?: number },
): Promise<Replicas> {
  const { store, cleanup } = await openTestStore('postgres');
  const secretKey = ephemeralSecretKey();
  const replicas: { app: App; url: string }[] = [];
  for (let i = 0; i < count; i++) {
    const app = await createApp({
      store,
      secretKey,
      adminKey: options.adminKey,
      mode: 'production',
      logger: silentLogger,
      ...(options.rateLimitPerMinute ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
      ...(options.timing ? { timing: options.timing } : {}),
    });
    await app.api.listen({ host: '127.0.0.1', port: 0 });
    const address = app.api.server.address();
    replicas.push({ app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  }
  return {
    store,
    replicas,
    close: async () => {
      for (const { app } of replicas) await app.close();
      await cleanup();
    },
  };
}
