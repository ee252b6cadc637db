import { ApiKeySchema, ApiKeyWithSecretSchema } from './api-keys.ts';
import { DatacenterSchema, InventorySchema, OfferSchema, SeriesSchema } from './catalog.ts';
import { ErrorBody, PageMeta } from './common.ts';
import { CostReportSchema } from './costs.ts';
import { PlatformEventSchema } from './events.ts';
import { GpuVmDetailsSchema, JobSchema } from './gpu-vm.ts';
import { HealthSchema, ReadinessSchema } from './health.ts';
import { ImageSchema } from './images.ts';
import { ProviderAccountSchema } from './provider-accounts.ts';
import { ResourceGroupSchema } from './resource-groups.ts';
import { GeneratedSshKeySchema, SshKeySchema } from './ssh-keys.ts';
import { StartupScriptSchema } from './startup-scripts.ts';
import { VolumeOptionSchema, VolumeSchema } from './volumes.ts';
import { WebhookAttemptSchema, WebhookDeliverySchema, WebhookSchema, WebhookWithSecretSchema } from './webhooks.ts';

/**
 * Models with an `$id`: registered once with `app.addSchema`, referenced by routes through `ref()`, and
 * published as `components.schemas.<$id>` in the OpenAPI document.
 */
export const sharedSchemas = [
  ErrorBody,
  PageMeta,
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
