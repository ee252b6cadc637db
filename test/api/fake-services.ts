/**
 * A small in-memory `Services` for testing the HTTP layer alone. Every method answers from fixed
 * fixtures and records its arguments; tests replace single methods to make them fail.
 */

import type { ApiKeyView } from '../../src/contract/api-keys.ts';
import type { DatacenterInfo, Inventory, Offer, SeriesInfo } from '../../src/contract/catalog.ts';
import type { GpuVmDetails, Job } from '../../src/contract/gpu-vm.ts';
import type { ProviderAccountView } from '../../src/contract/provider-accounts.ts';
import type { ResourceGroupDetails } from '../../src/contract/resource-groups.ts';
import type { SshKey } from '../../src/contract/ssh-keys.ts';
import type { Volume, VolumeOption } from '../../src/contract/volumes.ts';
import type { Webhook, WebhookDelivery } from '../../src/contract/webhooks.ts';
import type { Principal, UserRole } from '../../src/core/domain/types.ts';
import { AppError, notFound } from '../../src/services/errors.ts';
import type { Page, Services } from '../../src/services/types.ts';

export const IDS = {
  vm: '3f6c2f7e-1d2b-4c1e-9a55-0b7f6d1e2a10',
  vmWithNulls: '3f6c2f7e-1d2b-4c1e-9a55-0b7f6d1e2a11',
  series: '8b0d8c55-64a3-4c71-8f2e-6a1d2c3b4e01',
  datacenter: 'c1a7e0f2-3b4d-4e5f-8a9b-0c1d2e3f4a02',
  sku: 'd2b8f1a3-4c5e-4f6a-9b0c-1d2e3f4a5b03',
  sshKey: 'e3c9a2b4-5d6f-4a7b-8c1d-2e3f4a5b6c04',
  group: 'f4dab3c5-6e7a-4b8c-9d2e-3f4a5b6c7d05',
  account: 'a5ebc4d6-7f8b-4c9d-8e3f-4a5b6c7d8e06',
  apiKey: 'b6fcd5e7-8a9c-4dae-9f4a-5b6c7d8e9f07',
  job: '07a1b2c3-d4e5-4f6a-8b7c-9d0e1f2a3b08',
  volume: '17b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c09',
  webhook: '27c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d10',
  delivery: '37d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e11',
  event: '47e5f6a7-b8c9-4dae-9f2a-3b4c5d6e7f12',
  entity: '00000000-0000-4000-8000-000000000001',
  unknown: '99999999-9999-4999-8999-999999999999',
} as const;

export const KEYS: Record<UserRole, string> = { admin: 'gf_admin_key', power_user: 'gf_power_key', user: 'gf_user_key' };

const T0 = '2026-01-05T10:00:00.000Z';
const T1 = '2026-01-05T10:05:00.000Z';

export const imageFixture = {
  id: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9',
  name: 'ubuntu-24.04',
  description: 'Ubuntu 24.04 LTS, ready for the GPUs',
  providers: ['verda', 'fluidstack'],
  machineKinds: ['vm' as const],
  jupyter: false,
};

export const vmFixture: GpuVmDetails = {
  id: IDS.vm,
  name: 'train-1',
  status: 'Running',
  configuration: {
    code: 'h100_series',
    name: 'H100 Series',
    gpuCount: 8,
    cpu: 176,
    ram: 1440,
    disk: 2000,
    skuCode: 'verda.8h100.8x',
    skuId: IDS.sku,
  },
  datacenter: { id: IDS.datacenter, name: 'Helsinki 1', region: 'europe', country: 'Finland', countryAbbr: 'FI' },
  createdAt: T0,
  updatedAt: T1,
  deletedAt: null,
  hasStoredCredentials: true,
  sshKeyId: IDS.sshKey,
  sshKeyName: 'laptop',
  username: 'ubuntu',
  image: 'ubuntu-24.04',
  ip: '203.0.113.7',
  jupyterUrl: 'https://203.0.113.7:8888/?token=abc',
  resourceGroupId: IDS.group,
  resourceGroupName: 'research',
  provider: 'verda',
  providerAccountId: IDS.account,
  providerInstanceId: 'inst-42',
  providerStatus: 'running',
  statusReason: 'booted',
  machineKind: 'vm',
  spot: false,
  ipIsPrivate: false,
  sshPort: 22,
  pricePerHour: { amount: 17.52, currency: 'usd' },
  accruedCost: { amount: 1.46, currency: 'usd' },
  billsWhileStopped: true,
  ttl: { at: '2026-01-06T10:00:00.000Z', action: 'stop' },
  idle: null,
  syncedAt: T1,
  stale: false,
  startupScript: { id: null, name: null, sizeBytes: 42 },
  env: { MODEL: 'llama' },
  secretEnvNames: ['HF_TOKEN'],
  ports: [{ port: 8888, protocol: 'http' }],
  endpoints: [{ port: 8888, protocol: 'http', url: 'http://203.0.113.7:8888', host: '203.0.113.7', publicPort: 8888 }],
  templateId: 'runpod-torch-v240',
  volumes: [
    {
      id: IDS.volume,
      name: 'datasets',
      sizeGB: 500,
      type: 'NVMe',
      status: 'Attached',
      attachedAt: T1,
      mountHint: 'a block device; mount it with the commands Verda shows',
    },
  ],
};

export const volumeFixture: Volume = {
  id: IDS.volume,
  entityId: IDS.entity,
  name: 'datasets',
  status: 'Attached',
  provider: 'verda',
  providerAccountId: IDS.account,
  providerVolumeId: 'vol-7',
  providerStatus: 'attached',
  datacenter: { id: IDS.datacenter, code: 'verda-fin-01', name: 'Helsinki 1' },
  type: 'NVMe',
  sizeGB: 500,
  pricePerGBMonth: { amount: 0.2, currency: 'usd' },
  accruedCost: { amount: 0.07, currency: 'usd' },
  resourceGroupId: null,
  attachedTo: [{ vmId: IDS.vm, vmName: 'train-1', attachedAt: T1 }],
  mountHint: 'a block device; mount it with the commands Verda shows',
  lastError: null,
  createdAt: T0,
  updatedAt: T1,
  deletedAt: null,
  syncedAt: T1,
};

export const volumeOptionFixture: VolumeOption = {
  datacenter: { id: IDS.datacenter, code: 'verda-fin-01', name: 'Helsinki 1' },
  provider: 'verda',
  kind: 'block volume',
  types: ['NVMe', 'HDD'],
  minSizeGB: 1,
  maxSizeGB: 10_000,
  resize: true,
  rename: true,
  attachToExisting: true,
  attachRequiresStopped: true,
  maxPerInstance: 8,
  mountHint: 'a block device; mount it with the commands Verda shows',
};

/** Every nullable field null: serialisation must keep them as `null`, not drop or blank them. */
export const vmWithNullsFixture: GpuVmDetails = {
  ...vmFixture,
  id: IDS.vmWithNulls,
  status: 'Provisioning',
  configuration: { ...vmFixture.configuration, skuCode: null, skuId: null },
  hasStoredCredentials: false,
  sshKeyId: null,
  sshKeyName: null,
  ip: null,
  jupyterUrl: null,
  resourceGroupId: null,
  resourceGroupName: null,
  provider: null,
  providerAccountId: null,
  providerInstanceId: null,
  providerStatus: null,
  statusReason: null,
  sshPort: null,
  pricePerHour: null,
  accruedCost: null,
  ttl: null,
  idle: null,
  syncedAt: null,
  templateId: null,
};

export const jobFixture: Job = {
  jobId: IDS.job,
  resourceType: 'virtual_machine',
  resourceDisplayName: 'GPU VM',
  operation: 'create',
  stage: 'placing',
  progressPercentage: 10,
  message: 'Placing the VM',
  errorMessage: null,
  estimatedCompletion: T1,
  timeRemaining: 240,
  canRetry: false,
  isCompleted: false,
  hasFailed: false,
  resourceId: IDS.vm,
  resourceName: 'train-1',
  createdAt: T0,
  updatedAt: T0,
  attempts: [
    {
      provider: 'verda',
      providerAccountId: IDS.account,
      skuCode: 'verda.8h100.8x',
      datacenterId: IDS.datacenter,
      datacenterName: 'Helsinki 1',
      pricePerHour: { amount: 17.52, currency: 'usd' },
      outcome: 'pending',
      reason: null,
      at: T0,
    },
  ],
};

export const seriesFixture: SeriesInfo = {
  id: IDS.series,
  code: 'h100_series',
  name: 'H100 Series',
  description: 'NVIDIA H100 80GB',
};

export const datacenterFixture: DatacenterInfo = {
  id: IDS.datacenter,
  name: 'Helsinki 1',
  code: 'verda-fin-01',
  region: 'europe',
  country: 'Finland',
  countryAbbr: 'FI',
  provider: 'verda',
};

const specs = { gpuDescription: '8x H100 SXM5 80GB', vcpu: 176, memoryGiB: 1440, storageGB: 2000 };

export const offerFixture: Offer = {
  skuId: IDS.sku,
  skuCode: 'verda.8h100.8x',
  description: '8x H100, 176 vCPU',
  provider: 'verda',
  providerAccountId: IDS.account,
  providerSkuName: '8H100.80S.176V',
  providerSkuId: '8H100.80S.176V',
  providerLocationCode: 'FIN-01',
  series: { id: IDS.series, code: 'h100_series', name: 'H100 Series' },
  datacenter: datacenterFixture,
  gpuCount: 8,
  gpu: { model: 'H100', memoryGiB: 80, interconnect: 'SXM' },
  specs,
  pricePerHour: { amount: 17.52, currency: 'usd' },
  available: true,
  spot: false,
  machineKind: 'vm',
  billsWhileStopped: true,
  reportsGpuUtilization: false,
  takesVolumes: true,
  unmapped: false,
};

export const inventoryFixture: Inventory = {
  series: [
    {
      ...seriesFixture,
      availability: [
        {
          datacenterId: IDS.datacenter,
          datacenterName: 'Helsinki 1',
          datacenterCode: 'verda-fin-01',
          gpuCounts: [
            {
              count: 8,
              specs,
              pricePerHour: { amount: 17.52, currency: 'usd' },
              availableSkus: [
                {
                  skuCode: 'verda.8h100.8x',
                  description: '8x H100',
                  specs,
                  pricePerHour: { amount: 17.52, currency: 'usd' },
                  provider: 'verda',
                },
              ],
            },
          ],
        },
      ],
    },
  ],
  ageSeconds: 3,
};

export const startupScriptFixture = {
  id: 'b7e0c1d2-3f4a-4b5c-8d6e-7f8091a2b3c4',
  entityId: IDS.entity,
  name: 'setup',
  script: '#!/bin/bash\npip install -r requirements.txt\n',
  sizeBytes: 44,
  createdAt: '2026-01-05T09:00:00.000Z',
  updatedAt: '2026-01-05T09:00:00.000Z',
};

export const sshKeyFixture: SshKey = {
  id: IDS.sshKey,
  entityId: IDS.entity,
  name: 'laptop',
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH1yZm9vYmFyYmF6cXV4 laptop',
  fingerprint: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  algorithm: 'ed25519',
  algorithmDisplayName: 'ED25519',
  isDefault: true,
  createdAt: T0,
  updatedAt: T0,
  deletedAt: null,
};

export const groupFixture: ResourceGroupDetails = {
  id: IDS.group,
  name: 'research',
  description: null,
  createdAt: T0,
  updatedAt: T0,
  vmCount: 1,
  budget: { monthlyAmount: 5000, currency: 'usd', warnAtPercent: 80, action: 'stop' },
};

export const accountFixture: ProviderAccountView = {
  id: IDS.account,
  provider: 'verda',
  name: 'Verda main',
  baseUrl: 'https://api.verda.com/v1',
  settings: { currency: 'usd', nested: { a: [1, 2] } },
  enabled: true,
  sandbox: false,
  health: 'ok',
  lastError: null,
  lastSyncedAt: T1,
  credentialFields: ['clientId', 'clientSecret'],
  createdAt: T0,
  updatedAt: T0,
};

export const apiKeyFixture: ApiKeyView = {
  id: IDS.apiKey,
  name: 'ci',
  role: 'power_user',
  prefix: 'gf_ab12',
  createdAt: T0,
  expiresAt: null,
  suspended: false,
  lastUsedAt: null,
};

export const webhookFixture: Webhook = {
  id: IDS.webhook,
  entityId: IDS.entity,
  url: 'https://hooks.example.com/gpufleet',
  description: 'on-call',
  events: ['vm.preempted', 'vm.status_changed'],
  status: 'active',
  disabledReason: null,
  disabledAt: null,
  secretPrefix: 'whsec_AbCdEf',
  previousSecretExpiresAt: null,
  consecutiveFailures: 0,
  lastDeliveryAt: T1,
  createdAt: T0,
  updatedAt: T1,
};

export const deliveryFixture: WebhookDelivery = {
  id: IDS.delivery,
  webhookId: IDS.webhook,
  eventId: IDS.event,
  eventType: 'vm.preempted',
  status: 'delivered',
  attempts: 2,
  responseCode: 200,
  lastError: null,
  nextAttemptAt: null,
  deliveredAt: T1,
  attemptLog: [
    { at: T0, responseCode: 500, error: null, durationMs: 12 },
    { at: T1, responseCode: 200, error: null, durationMs: 9 },
  ],
  createdAt: T0,
  updatedAt: T1,
};

export function pageOf<T>(items: T[], page = 1, limit = 10): Page<T> {
  const totalPages = Math.ceil(items.length / limit);
  return {
    items: items.slice((page - 1) * limit, page * limit),
    meta: { total: items.length, page, pageSize: limit, totalPages, hasNextPage: page < totalPages, hasPreviousPage: page > 1 },
  };
}

export interface FakeServices {
  services: Services;
  /** Every service call, in order: `vms.order` → its arguments. */
  calls: { method: string; args: unknown[] }[];
  lastCall(method: string): unknown[] | undefined;
}

export function createFakeServices(): FakeServices {
  const calls: FakeServices['calls'] = [];
  const vms = new Map([vmFixture, vmWithNullsFixture].map((vm) => [vm.id, vm]));
  const vm = (id: string) => {
    const found = vms.get(id);
    if (!found) throw notFound('GPU VM', id);
    return found;
  };
  const principals = Object.fromEntries(
    (Object.entries(KEYS) as [UserRole, string][]).map(([role, key]) => [
      key,
      { apiKeyId: `key-${role}`, name: role, role, entityId: IDS.entity },
    ]),
  ) as Record<string, Principal>;

  const services: Services = {
    vms: {
      list: async (query) => pageOf([...vms.values()], query.page, query.limit),
      get: async (id) => vm(id),
      order: async (input) => ({ vm: { ...vmWithNullsFixture, name: input.name }, job: jobFixture, replayed: false }),
      preview: async (input) =>
        input.seriesId === seriesFixture.id
          ? { offers: [offerFixture], ageSeconds: 3 }
          : raise(notFound('GPU series', input.seriesId)),
      update: async (id, input) => ({ ...vm(id), ...(input.name ? { name: input.name } : {}) }),
      remove: async (id) => ({ ...jobFixture, operation: 'delete', resourceId: vm(id).id }),
      start: async (id) => ({ ...jobFixture, operation: 'start', resourceId: vm(id).id }),
      stop: async (id) => ({ job: { ...jobFixture, operation: 'stop', resourceId: vm(id).id }, warning: null }),
      restart: async (id) => ({ ...jobFixture, operation: 'restart', resourceId: vm(id).id }),
      bulkStop: async (ids) => bulk(ids),
      bulkStart: async (ids) => bulk(ids),
      bulkDelete: async (ids) => ({
        jobs: ids.filter((id) => vms.has(id)).map((id) => ({ ...jobFixture, operation: 'delete', resourceId: id })),
        ...bulk(ids),
      }),
      legacyPrivateKey: async (id) =>
        vm(id).hasStoredCredentials
          ? { privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\n…' }
          : raise(new AppError(404, 'NO_STORED_CREDENTIALS', `GPU VM ${id} has no stored credentials`)),
      jobs: async (ids) => ids.filter((id) => id === IDS.job).map(() => jobFixture),
      history: async (id) => [{ at: vm(id).createdAt, kind: 'status', message: 'Provisioning → Running' }],
    },
    catalog: {
      inventory: async () => inventoryFixture,
      series: async () => [seriesFixture],
      datacenters: async () => [datacenterFixture],
      offers: async () => ({ offers: [offerFixture], ageSeconds: 3 }),
    },
    images: {
      list: async (query) => pageOf([imageFixture], query.page, query.limit),
    },
    sshKeys: {
      list: async (query) => pageOf([sshKeyFixture], query.page, query.limit),
      get: async (id) => (id === IDS.sshKey ? sshKeyFixture : raise(notFound('SSH key', id))),
      upload: async (input) => ({ ...sshKeyFixture, name: input.name, publicKey: input.publicKey }),
      generate: async (input) => ({ ...sshKeyFixture, name: input.name, privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\n…' }),
      update: async (_id, input) => ({ ...sshKeyFixture, ...input }),
      remove: async () => {},
    },
    startupScripts: {
      list: async (query) => pageOf([startupScriptFixture], query.page, query.limit),
      get: async (id) => (id === startupScriptFixture.id ? startupScriptFixture : raise(notFound('Startup script', id))),
      create: async (input) => ({ ...startupScriptFixture, ...input }),
      update: async (_id, input) => ({ ...startupScriptFixture, ...input }),
      remove: async () => {},
    },
    volumes: {
      list: async (query) => pageOf([volumeFixture], query.page, query.limit),
      get: async (id) => (id === IDS.volume ? volumeFixture : raise(notFound('Volume', id))),
      create: async (input) => ({ ...volumeFixture, name: input.name, sizeGB: input.sizeGB, status: 'Creating', attachedTo: [] }),
      update: async (_id, input) => ({ ...volumeFixture, ...input }),
      remove: async () => ({ ...volumeFixture, status: 'Deleting', attachedTo: [] }),
      attach: async () => ({ ...volumeFixture, status: 'Attaching' }),
      detach: async () => ({ ...volumeFixture, status: 'Detaching', attachedTo: [] }),
      options: async () => [volumeOptionFixture],
      unmanaged: async () => [],
    },
    resourceGroups: {
      list: async (query) => pageOf([groupFixture], query.page, query.limit),
      get: async (id) => (id === IDS.group ? groupFixture : raise(notFound('Resource group', id))),
      create: async (input) => ({
        ...groupFixture,
        name: input.name,
        description: input.description ?? null,
        budget: input.budget ?? null,
      }),
      update: async (_id, input) => ({ ...groupFixture, ...(input.name ? { name: input.name } : {}) }),
      remove: async () => {},
    },
    accounts: {
      list: async () => [accountFixture],
      get: async (id) => (id === IDS.account ? accountFixture : raise(notFound('Provider account', id))),
      create: async (input) => ({ ...accountFixture, name: input.name, credentialFields: Object.keys(input.credentials) }),
      update: async (_id, input) => ({ ...accountFixture, ...(input.name ? { name: input.name } : {}) }),
      remove: async () => {},
      providers: async () => [
        {
          id: 'verda',
          displayName: 'Verda',
          capabilities: { stopStart: true, spot: true },
          credentialsSchema: { type: 'object', properties: { clientId: { type: 'string' } } },
          settingsSchema: { type: 'object', properties: {} },
        },
      ],
      unmanagedInstances: async () => [
        {
          accountId: IDS.account,
          providerInstanceId: 'inst-9',
          name: 'stray',
          providerStatus: 'running',
          firstSeenAt: T0,
          lastSeenAt: T1,
        },
      ],
      projects: async () => [{ id: 'p1', name: 'Default' }],
    },
    apiKeys: {
      authenticate: async (key) => principals[key] ?? null,
      list: async () => [apiKeyFixture],
      create: async (input) => ({ ...apiKeyFixture, name: input.name, role: input.role, key: 'gf_new_secret' }),
      rotate: async () => ({ ...apiKeyFixture, key: 'gf_rotated_secret' }),
      setSuspended: async (_id, suspended) => ({ ...apiKeyFixture, suspended }),
      remove: async () => {},
    },
    costs: {
      report: async (query) => ({
        ...query,
        rows: [{ key: IDS.vm, label: 'train-1', amount: 42.5, currency: 'usd', hours: 2.43 }],
        total: [{ amount: 42.5, currency: 'usd' }],
      }),
    },
    events: {
      list: async (_filter, query) => pageOf([], query.page, query.limit),
      resumeSeq: async () => undefined,
      subscribe: () => () => undefined,
    },
    webhooks: {
      list: async (query) => pageOf([webhookFixture], query.page, query.limit),
      get: async (id) => (id === IDS.webhook ? webhookFixture : raise(notFound('Webhook', id))),
      create: async (input) => ({ ...webhookFixture, ...input, secret: 'whsec_new_secret' }),
      update: async (id, patch) => (id === IDS.webhook ? { ...webhookFixture, ...patch } : raise(notFound('Webhook', id))),
      delete: async () => {},
      rotateSecret: async () => ({ ...webhookFixture, previousSecretExpiresAt: T1, secret: 'whsec_rotated_secret' }),
      sendTest: async () => ({ ...deliveryFixture, eventType: 'webhook.test', status: 'pending', attempts: 0, attemptLog: [] }),
      listDeliveries: async (_id, query) => pageOf([deliveryFixture], query.page, query.limit),
      getDelivery: async (_id, deliveryId) =>
        deliveryId === IDS.delivery ? deliveryFixture : raise(notFound('Webhook delivery', deliveryId)),
      redeliver: async () => ({ ...deliveryFixture, status: 'pending', nextAttemptAt: T1 }),
    },
    health: async () => ({ status: 'ok', version: '0.0.0-test', mode: 'sandbox', database: 'sqlite', accounts: [] }),
    readiness: async () => ({ ready: true, store: { status: 'ok', latencyMs: 0 }, accounts: [] }),
  };

  function bulk(ids: string[]) {
    const results = ids.map((id) =>
      vms.has(id) ? { id, success: true, error: null, jobId: IDS.job } : { id, success: false, error: 'GPU VM not found' },
    );
    const succeeded = results.filter((r) => r.success).length;
    return { results, summary: { total: ids.length, succeeded, failed: ids.length - succeeded } };
  }

  recordCalls(services, calls);
  return { services, calls, lastCall: (method) => calls.filter((c) => c.method === method).at(-1)?.args };
}

function raise(error: AppError): never {
  throw error;
}

/** Wrap every method so the test can see what the HTTP layer passed down. */
function recordCalls(services: Services, calls: FakeServices['calls']): void {
  const target = services as unknown as Record<string, unknown>;
  for (const [group, value] of Object.entries(target)) {
    if (typeof value === 'function') {
      const fn = value as (...args: unknown[]) => unknown;
      target[group] = (...args: unknown[]) => {
        calls.push({ method: group, args });
        return fn(...args);
      };
      continue;
    }
    const methods = value as Record<string, (...args: unknown[]) => unknown>;
    for (const [name, fn] of Object.entries(methods)) {
      methods[name] = (...args: unknown[]) => {
        calls.push({ method: `${group}.${name}`, args });
        return fn(...args);
      };
    }
  }
}

export { AppError };
