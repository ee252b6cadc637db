import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/types.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { catalogRoutes } from './catalog.ts';
import { costRoutes } from './costs.ts';
import { type EventStreamOptions, eventRoutes } from './events.ts';
import { gpuVmActionRoutes } from './gpu-vm-actions.ts';
import { gpuVmRoutes } from './gpu-vms.ts';
import { healthRoutes } from './health.ts';
import { providerAccountRoutes } from './provider-accounts.ts';
import { resourceGroupRoutes } from './resource-groups.ts';
import { sshKeyRoutes } from './ssh-keys.ts';
import { startupScriptRoutes } from './startup-scripts.ts';
import { volumeRoutes } from './volumes.ts';
import { webhookRoutes } from './webhooks.ts';

export function registerRoutes(app: FastifyInstance, services: Services, eventStream?: EventStreamOptions): void {
  healthRoutes(app, services);
  catalogRoutes(app, services);
  gpuVmRoutes(app, services);
  gpuVmActionRoutes(app, services);
  sshKeyRoutes(app, services);
  startupScriptRoutes(app, services);
  volumeRoutes(app, services);
  resourceGroupRoutes(app, services);
  providerAccountRoutes(app, services);
  apiKeyRoutes(app, services);
  costRoutes(app, services);
  eventRoutes(app, services, eventStream);
  webhookRoutes(app, services);
}
