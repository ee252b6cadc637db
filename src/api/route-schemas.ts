/**
 * What only Fastify needs of the contract: the models to register, the error answers documented on every
 * route, and the path parameters. The models themselves are in `src/contract`.
 */

import { Type } from '@sinclair/typebox';
import { ApiKeySchema, ApiKeyWithSecretSchema } from '../contract/api-keys.ts';
import { DatacenterSchema, InventorySchema, OfferSchema, SeriesSchema } from '../contract/catalog.ts';
import { ErrorBody, PageMetaSchema, ref, Uuid } from '../contract/common.ts';
import { CostReportSchema } from '../contract/costs.ts';
import { PlatformEventSchema } from '../contract/events.ts';
import { GpuVmDetailsSchema, JobSchema } from '../contract/gpu-vm.ts';
import { HealthSchema, ReadinessSchema } from '../contract/health.ts';
import { ImageSchema } from '../contract/images.ts';
import { ProviderAccountSchema } from '../contract/provider-accounts.ts';
import { ResourceGroupSchema } from '../contract/resource-groups.ts';
import { GeneratedSshKeySchema, SshKeySchema } from '../contract/ssh-keys.ts';
import { StartupScriptSchema } from '../contract/startup-scripts.ts';
import { VolumeOptionSchema, VolumeSchema } from '../contract/volumes.ts';
import { WebhookAttemptSchema, WebhookDeliverySchema, WebhookSchema, WebhookWithSecretSchema } from '../contract/webhooks.ts';

/**
 * Models with an `$id`: registered once with `app.addSchema`, referenced by routes through `ref()`, and
 * published as `components.schemas.<$id>` in the OpenAPI document.
 */
export const sharedSchemas = [
  ErrorBody,
  PageMetaSchema,
  GpuVmDetailsSchema,
  JobSchema,
  SeriesSchema,
  DatacenterSchema,
  OfferSchema,
  InventorySchema,
  ImageSchema,
  SshKeySchema,
  GeneratedSshKeySchema,
  StartupScriptSchema,
  VolumeSchema,
  VolumeOptionSchema,
  ResourceGroupSchema,
  ProviderAccountSchema,
  ApiKeySchema,
  ApiKeyWithSecretSchema,
  CostReportSchema,
  PlatformEventSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
  WebhookAttemptSchema,
  WebhookDeliverySchema,
  HealthSchema,
  ReadinessSchema,
] as const;

/** Error answers every authenticated route can give; documented once per route. */
export const errorResponses = {
  '4xx': ref(ErrorBody),
  '5xx': ref(ErrorBody),
};

export const IdParams = Type.Object({ id: Uuid() }, { additionalProperties: false });
export const VmVolumeParams = Type.Object({ id: Uuid(), volumeId: Uuid() }, { additionalProperties: false });
export const WebhookDeliveryParams = Type.Object({ id: Uuid(), deliveryId: Uuid() }, { additionalProperties: false });
