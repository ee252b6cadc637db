/**
 * Compile-time proof that the response schemas describe the service shapes exactly: every field the
 * service returns has a schema property (fast-json-stringify would otherwise drop it silently) and every
 * value fits its schema type. `npx tsc` fails when a service type and its schema drift apart.
 */
import type { Static } from '@sinclair/typebox';
import type { ApiKeySchema, ApiKeyWithSecretSchema } from '../../contract/api-keys.ts';
import type { DatacenterSchema, InventorySchema, OfferSchema, SeriesSchema } from '../../contract/catalog.ts';
import type { CostReportSchema } from '../../contract/costs.ts';
import type { PlatformEventSchema } from '../../contract/events.ts';
import type {
  BulkActionResultSchema,
  BulkDeleteResultSchema,
  GpuVmDetailsSchema,
  JobSchema,
  VmEventSchema,
} from '../../contract/gpu-vm.ts';
import type { HealthSchema, ReadinessSchema } from '../../contract/health.ts';
import type { ProviderAccountSchema } from '../../contract/provider-accounts.ts';
import type { ResourceGroupSchema } from '../../contract/resource-groups.ts';
import type { GeneratedSshKeySchema, SshKeySchema } from '../../contract/ssh-keys.ts';
import type { StartupScriptSchema } from '../../contract/startup-scripts.ts';
import type { VolumeOptionSchema, VolumeSchema } from '../../contract/volumes.ts';
import type {
  WebhookAttemptSchema,
  WebhookDeliverySchema,
  WebhookSchema,
  WebhookWithSecretSchema,
} from '../../contract/webhooks.ts';
import type { PlatformEvent } from '../../core/domain/events.ts';
import type { SshKey, StartupScript } from '../../core/domain/types.ts';
import type {
  ApiKeyView,
  BulkActionResult,
  BulkDeleteResult,
  CostReport,
  DatacenterInfo,
  GpuVmDetails,
  HealthReport,
  Inventory,
  Job,
  Offer,
  ProviderAccountView,
  ReadinessReport,
  ResourceGroupDetails,
  SeriesInfo,
  VmEvent,
  Volume,
  VolumeOption,
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
  WebhookWithSecret,
} from '../../services/types.ts';

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Fits<Model, Schema> = [Model] extends [Schema] ? true : false;
/** Same field names at this level and the next, and the model's values fit the schema. */
type Describes<Model, Schema> =
  Fits<Model, Schema> extends true
    ? SameKeys<Model, Schema> extends true
      ? {
          [K in keyof Model & keyof Schema]: NonNullable<Model[K]> extends object
            ? SameKeys<NonNullable<Model[K]>, NonNullable<Schema[K]>>
            : true;
        }[keyof Model & keyof Schema] extends true
        ? true
        : false
      : false
    : false;
type Assert<T extends true> = T;

export type SchemaConformance = [
  Assert<Describes<GpuVmDetails, Static<typeof GpuVmDetailsSchema>>>,
  Assert<Describes<Job, Static<typeof JobSchema>>>,
  Assert<Describes<Volume, Static<typeof VolumeSchema>>>,
  Assert<Describes<VolumeOption, Static<typeof VolumeOptionSchema>>>,
  Assert<Describes<GpuVmDetails['volumes'][number], Static<typeof GpuVmDetailsSchema>['volumes'][number]>>,
  Assert<Describes<Job['attempts'][number], Static<typeof JobSchema>['attempts'][number]>>,
  Assert<Describes<VmEvent, Static<typeof VmEventSchema>>>,
  Assert<Describes<BulkActionResult, Static<typeof BulkActionResultSchema>>>,
  Assert<Describes<BulkActionResult['results'][number], Static<typeof BulkActionResultSchema>['results'][number]>>,
  Assert<Describes<BulkDeleteResult, Static<typeof BulkDeleteResultSchema>>>,
  Assert<Describes<BulkDeleteResult['results'][number], Static<typeof BulkDeleteResultSchema>['results'][number]>>,
  Assert<Describes<SeriesInfo, Static<typeof SeriesSchema>>>,
  Assert<Describes<DatacenterInfo, Static<typeof DatacenterSchema>>>,
  Assert<Describes<Offer, Static<typeof OfferSchema>>>,
  Assert<Describes<Inventory, Static<typeof InventorySchema>>>,
  Assert<Describes<Inventory['series'][number], Static<typeof InventorySchema>['series'][number]>>,
  Assert<
    Describes<
      Inventory['series'][number]['availability'][number]['gpuCounts'][number],
      Static<typeof InventorySchema>['series'][number]['availability'][number]['gpuCounts'][number]
    >
  >,
  Assert<Describes<SshKey, Static<typeof SshKeySchema>>>,
  Assert<Describes<StartupScript, Static<typeof StartupScriptSchema>>>,
  Assert<Describes<SshKey & { privateKey: string }, Static<typeof GeneratedSshKeySchema>>>,
  Assert<Describes<ResourceGroupDetails, Static<typeof ResourceGroupSchema>>>,
  Assert<Describes<ProviderAccountView, Static<typeof ProviderAccountSchema>>>,
  Assert<Describes<ApiKeyView, Static<typeof ApiKeySchema>>>,
  Assert<Describes<ApiKeyView & { key: string }, Static<typeof ApiKeyWithSecretSchema>>>,
  Assert<Describes<CostReport, Static<typeof CostReportSchema>>>,
  Assert<Describes<HealthReport, Static<typeof HealthSchema>>>,
  Assert<Describes<ReadinessReport, Static<typeof ReadinessSchema>>>,
  Assert<Describes<PlatformEvent, Static<typeof PlatformEventSchema>>>,
  Assert<Describes<Webhook, Static<typeof WebhookSchema>>>,
  Assert<Describes<WebhookWithSecret, Static<typeof WebhookWithSecretSchema>>>,
  Assert<Describes<WebhookDelivery, Static<typeof WebhookDeliverySchema>>>,
  Assert<Describes<WebhookAttempt, Static<typeof WebhookAttemptSchema>>>,
];
