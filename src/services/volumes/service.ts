import { randomUUID } from 'node:crypto';
import type { UnmanagedVolume, Volume, VolumeCreateInput, VolumeOption } from '../../contract/volumes.ts';
import { isProviderError } from '../../core/provider/errors.ts';
import type { InstanceRef, Provider, ProviderVolume, VolumeCapabilities } from '../../core/provider/provider.ts';
import type { Store } from '../../store/database.ts';
import { providerFailure } from '../accounts/provider-failures.ts';
import type { CatalogServiceImpl } from '../catalog/service.ts';
import { AppError, badRequest, conflict, notFound } from '../errors.ts';
import type { EventPublisher } from '../events/publisher.ts';
import { cleanName } from '../names.ts';
import { paginate } from '../pagination.ts';
import type { CallContext, ListQuery, Page, VolumeService } from '../types.ts';
import { VmRepository, type VmRow } from '../vms/repository.ts';
import { lockForWrite } from '../write-lock.ts';
import { VolumeRepository, type VolumeRow } from './repository.ts';
import { toVolume } from './view.ts';

export const VOLUME_SORTABLE = { name: 'name', createdAt: 'created_at', updatedAt: 'updated_at', sizeGB: 'size_gb' } as const;
const LOCK_SCOPE = 'volumes';

/** How gpufleet reaches the provider account a volume lives at. */
export interface VolumeProviderAccess {
  /** The connected adapter of an account, its provider's display name, and a redactor for its credentials. */
  connect(accountId: string): Promise<{ provider: Provider; displayName: string; redact: (text: string) => string }>;
  /** A provider's declared volume capabilities; null where it has no volumes. */
  capabilities(provider: string): VolumeCapabilities | null;
  /** Poll this account fast for a while: one of its volumes is changing. */
  nudge(accountId: string): void;
}

/** Where a volume can be created: a datacenter, the account that serves it and its provider's capabilities. */
interface VolumePlace {
  option: VolumeOption;
  accountId: string;
  locationCode: string;
  region: string;
}

/**
 * Persistent volumes: created, resized, attached and deleted at the provider through its adapter. The row is
 * written before the provider is asked (so a crash never leaves a volume nobody knows), and a volume becomes
 * `Deleted` only when the provider confirms it; reconciliation (`src/runtime/volume-reconcile.ts`) keeps
 * statuses and attachments true to what the provider lists.
 */
export class VolumeServiceImpl implements VolumeService {
  private readonly repo: VolumeRepository;
  private readonly vms: VmRepository;

  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogServiceImpl,
    private readonly access: VolumeProviderAccess,
    private readonly events: EventPublisher,
  ) {
    this.repo = new VolumeRepository(store.db, events);
    this.vms = new VmRepository(store.db);
  }

  // ---------- reads ----------

  async list(query: ListQuery & { datacenterId?: string; provider?: string; includeDeleted?: boolean }): Promise<Page<Volume>> {
    let base = query.includeDeleted ? this.repo.all() : this.repo.live();
    if (query.datacenterId) base = base.where('datacenter_id', '=', query.datacenterId);
    if (query.provider) base = base.where('provider', '=', query.provider);
    const page = await paginate(base, query, {
      sortable: VOLUME_SORTABLE,
      searchColumns: ['name'],
      tiebreaker: 'id',
      map: (row: VolumeRow) => row,
    });
    return { items: await this.views(page.items), meta: page.meta };
  }

  async get(id: string): Promise<Volume> {
    const row = await this.repo.get(id);
    if (!row) throw notFound('Volume', id);
    return (await this.views([row]))[0] as Volume;
  }

  async options(): Promise<VolumeOption[]> {
    return [...(await this.places()).values()].map((p) => p.option);
  }

  async unmanaged(): Promise<UnmanagedVolume[]> {
    const rows = await this.store.db
      .selectFrom('foreign_volumes')
      .innerJoin('provider_accounts', 'provider_accounts.id', 'foreign_volumes.account_id')
      .select([
        'foreign_volumes.account_id',
        'provider_accounts.provider',
        'foreign_volumes.provider_volume_id',
        'foreign_volumes.name',
        'foreign_volumes.provider_status',
        'foreign_volumes.gpufleet_id',
        'foreign_volumes.first_seen_at',
        'foreign_volumes.last_seen_at',
      ])
      .where('provider_accounts.deleted_at', 'is', null)
      .orderBy('foreign_volumes.first_seen_at')
      .execute();
    return rows.map((r) => ({
      providerAccountId: r.account_id,
      provider: r.provider,
      providerVolumeId: r.provider_volume_id,
      name: r.name,
      providerStatus: r.provider_status,
      gpufleetId: r.gpufleet_id,
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
    }));
  }

  private async views(rows: VolumeRow[]): Promise<Volume[]> {
    const attachments = await this.repo.attachmentsOf(rows.map((r) => r.id));
    return rows.map((row) => toVolume(row, attachments, this.access.capabilities(row.provider)?.mountHint ?? ''));
  }

  /** Every datacenter where a volume can be created, keyed by datacenter id; the first account serving it wins. */
  private async places(): Promise<Map<string, VolumePlace>> {
    const { offers } = await this.catalog.current();
    const places = new Map<string, VolumePlace>();
    for (const offer of offers) {
      // Only where a machine could use the volume (RunPod: a Secure Cloud data center).
      if (places.has(offer.datacenter.id) || !offer.takesVolumes) continue;
      const capabilities = this.access.capabilities(offer.provider);
      if (!capabilities) continue;
      places.set(offer.datacenter.id, {
        accountId: offer.providerAccountId,
        locationCode: offer.providerLocationCode,
        region: offer.datacenter.region,
        option: {
          datacenter: { id: offer.datacenter.id, code: offer.datacenter.code, name: offer.datacenter.name },
          provider: offer.provider,
          kind: capabilities.kind,
          types: [...capabilities.types],
          minSizeGB: capabilities.minSizeGB,
          maxSizeGB: capabilities.maxSizeGB,
          resize: capabilities.resize,
          rename: capabilities.rename,
          attachToExisting: capabilities.attachToExisting,
          attachRequiresStopped: capabilities.attachRequiresStopped,
          maxPerInstance: capabilities.maxPerInstance,
          mountHint: capabilities.mountHint,
        },
      });
    }
    return places;
  }

  // ---------- writes ----------

  async create(input: VolumeCreateInput, ctx: CallContext): Promise<Volume> {
    const name = cleanName(input.name, 'name');
    const place = (await this.places()).get(input.datacenterId);
    if (!place) {
      const { datacenters } = await this.catalog.current();
      if (!datacenters.some((d) => d.id === input.datacenterId)) throw notFound('Datacenter', input.datacenterId);
      throw badRequest(
        'VOLUMES_UNSUPPORTED',
        `datacenterId: the provider of datacenter ${input.datacenterId} offers no volumes (GET /v1/resource/volumes/options lists where they can be created)`,
      );
    }
    const { option } = place;
    if (!Number.isInteger(input.sizeGB) || input.sizeGB < option.minSizeGB || input.sizeGB > option.maxSizeGB) {
      throw badRequest(
        'VOLUME_SIZE_OUT_OF_RANGE',
        `sizeGB: ${option.provider} ${option.kind}s are ${option.minSizeGB} to ${option.maxSizeGB} GB`,
      );
    }
    const type = input.type ?? option.types[0] ?? '';
    if (!option.types.includes(type)) {
      throw badRequest('UNKNOWN_VOLUME_TYPE', `type: ${option.provider} offers ${option.types.join(', ')}, not ${type}`);
    }
    if (input.resourceGroupId) {
      const group = await this.store.db
        .selectFrom('resource_groups')
        .select('id')
        .where('id', '=', input.resourceGroupId)
        .executeTakeFirst();
      if (!group) throw notFound('Resource group', input.resourceGroupId);
    }

    // The intent first: a crash after the provider call finds this row, and the listing adopts the volume by its tag.
    const id = randomUUID();
    const at = new Date().toISOString();
    await this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      if (await this.repo.findLiveByName(name, undefined, trx)) {
        throw conflict('NAME_TAKEN', `A volume named "${name}" already exists`);
      }
      await this.repo.insert(
        {
          id,
          entity_id: ctx.principal.entityId,
          created_by_key_id: ctx.principal.apiKeyId,
          name,
          account_id: place.accountId,
          provider: option.provider,
          location_code: place.locationCode,
          datacenter_id: option.datacenter.id,
          datacenter_code: option.datacenter.code,
          datacenter_name: option.datacenter.name,
          type,
          size_gb: input.sizeGB,
          status: 'Creating',
          provider_status: null,
          provider_volume_id: null,
          price_per_gb_month: null,
          price_currency: null,
          resource_group_id: input.resourceGroupId ?? null,
          last_error: null,
          created_at: at,
          updated_at: at,
          delete_requested_at: null,
          deleted_at: null,
          synced_at: null,
        },
        trx,
      );
      await this.events.publish(
        {
          type: 'volume.created',
          entityId: ctx.principal.entityId,
          subject: { kind: 'volume', id },
          data: { name, sizeGB: input.sizeGB, type, provider: option.provider, datacenterId: option.datacenter.id },
        },
        trx,
      );
    });

    const { provider, displayName, redact } = await this.access.connect(place.accountId);
    if (!provider.createVolume) throw notSupported(displayName, 'volumes');
    let created: ProviderVolume;
    try {
      created = await provider.createVolume({
        gpufleetId: id,
        name,
        sizeGB: input.sizeGB,
        locationCode: place.locationCode,
        type,
      });
    } catch (error) {
      if (isProviderError(error) && !error.retryable && error.kind !== 'bad_response') {
        // The provider refused: nothing exists there, so the record ends here (kept for its history).
        await this.repo.update(id, {
          status: 'Deleted',
          deleted_at: new Date().toISOString(),
          last_error: redact(error.message),
        });
        return providerFailure(error, displayName, redact);
      }
      // The outcome is unknown: the row stays Creating and the next listing adopts the volume by its tag or,
      // past the create deadline, records that it never appeared.
      await this.repo.update(id, { last_error: isProviderError(error) ? redact(error.message) : String(error) });
      this.access.nudge(place.accountId);
      throw new AppError(
        503,
        'GPU_PROVIDER_UNAVAILABLE',
        `${displayName} did not confirm the volume (${isProviderError(error) ? redact(error.message) : 'no answer'}); gpufleet keeps looking for it as volume ${id} and shows it once ${displayName} lists it`,
      );
    }
    await this.repo.update(id, fromProvider(created));
    this.access.nudge(place.accountId);
    return this.get(id);
  }

  async update(id: string, input: { name?: string; sizeGB?: number }): Promise<Volume> {
    const row = await this.liveRow(id);
    const name = input.name === undefined ? undefined : cleanName(input.name, 'name');
    const capabilities = this.access.capabilities(row.provider);
    if (input.sizeGB !== undefined && input.sizeGB !== Number(row.size_gb)) {
      if (!capabilities?.resize) {
        throw badRequest('RESIZE_UNSUPPORTED', `sizeGB: ${row.provider} cannot resize a ${capabilities?.kind ?? 'volume'}`);
      }
      if (input.sizeGB < Number(row.size_gb)) {
        throw badRequest('VOLUME_SHRINK', `sizeGB: volumes only grow; ${row.name} is ${row.size_gb} GB`);
      }
      if (input.sizeGB > capabilities.maxSizeGB) {
        throw badRequest('VOLUME_SIZE_OUT_OF_RANGE', `sizeGB: at most ${capabilities.maxSizeGB} GB at ${row.provider}`);
      }
    }
    if (name !== undefined) {
      await this.store.db.transaction().execute(async (trx) => {
        await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
        if (await this.repo.findLiveByName(name, id, trx))
          throw conflict('NAME_TAKEN', `A volume named "${name}" already exists`);
      });
    }
    const grow = input.sizeGB !== undefined && input.sizeGB > Number(row.size_gb);
    const rename = name !== undefined && name !== row.name;
    if (grow || (rename && capabilities?.rename)) {
      const ref = this.refOf(row);
      const { provider, displayName, redact } = await this.access.connect(row.account_id);
      try {
        // The name is gpufleet's own: it is renamed at the provider too where the provider can.
        if (rename && capabilities?.rename && provider.renameVolume) await provider.renameVolume(ref, name);
        if (grow && provider.resizeVolume) await provider.resizeVolume(ref, input.sizeGB as number);
      } catch (error) {
        return providerFailure(error, displayName, redact);
      }
      this.access.nudge(row.account_id);
    }
    await this.repo.update(id, {
      ...(rename ? { name } : {}),
      ...(grow ? { size_gb: input.sizeGB as number, status: 'Resizing' } : {}),
    });
    return this.get(id);
  }

  async remove(id: string): Promise<Volume> {
    const row = await this.liveRow(id);
    if (row.status === 'Deleting') return this.get(id);
    const attached = (await this.repo.attachmentsOf([id])).filter((a) => a.vm_deleted_at === null);
    if (attached.length > 0) {
      throw conflict(
        'VOLUME_ATTACHED',
        `Volume ${row.name} is attached to ${attached.map((a) => a.vm_name).join(', ')}; delete or detach the VM first`,
        { vmIds: attached.map((a) => a.vm_id), vms: attached.map((a) => ({ id: a.vm_id, name: a.vm_name })) },
      );
    }
    const ref = this.refOf(row);
    const { provider, displayName, redact } = await this.access.connect(row.account_id);
    if (!provider.deleteVolume) throw notSupported(displayName, 'volumes');
    let outcome: 'accepted' | 'gone';
    try {
      outcome = await provider.deleteVolume(ref);
    } catch (error) {
      if (isProviderError(error, 'conflict')) {
        throw conflict(
          'VOLUME_ATTACHED',
          `${displayName} still has volume ${row.name} attached to a machine (${redact(error.message)})`,
        );
      }
      return providerFailure(error, displayName, redact);
    }
    const at = new Date().toISOString();
    await this.repo.update(
      id,
      outcome === 'gone'
        ? { status: 'Deleted', deleted_at: at, delete_requested_at: at }
        : { status: 'Deleting', delete_requested_at: at },
    );
    this.access.nudge(row.account_id);
    return this.get(id);
  }

  async attach(vmId: string, volumeId: string): Promise<Volume> {
    const { vm, row, capabilities, instance } = await this.attachmentTarget(vmId, volumeId);
    const attachedNow = await this.repo.attachmentsOf([volumeId]);
    if (attachedNow.some((a) => a.vm_id === vmId)) return this.get(volumeId);
    if (attachedNow.some((a) => a.vm_deleted_at === null)) {
      throw conflict('VOLUME_IN_USE', `Volume ${row.name} is attached to ${attachedNow.map((a) => a.vm_name).join(', ')}`);
    }
    const onVm = await this.repo.attachedToVms([vmId]);
    if (onVm.length >= capabilities.maxPerInstance) {
      throw conflict('TOO_MANY_VOLUMES', `${vm.name} has ${onVm.length} volume(s), the most a ${row.provider} machine takes`);
    }
    if (row.status !== 'Available') {
      throw conflict('VOLUME_NOT_READY', `Volume ${row.name} is ${row.status}; it can be attached once Available`);
    }
    const { provider, displayName, redact } = await this.access.connect(row.account_id);
    try {
      await provider.attachVolume?.(this.refOf(row), instance);
    } catch (error) {
      return providerFailure(error, displayName, redact);
    }
    await this.repo.attach(vmId, volumeId);
    await this.repo.update(volumeId, { status: 'Attaching' });
    await this.vms.addEvent(vmId, 'volume', `volume ${row.name} (${row.size_gb} GB) attached`);
    this.access.nudge(row.account_id);
    return this.get(volumeId);
  }

  async detach(vmId: string, volumeId: string): Promise<Volume> {
    const { vm, row, instance } = await this.attachmentTarget(vmId, volumeId);
    const attachedNow = await this.repo.attachmentsOf([volumeId]);
    if (!attachedNow.some((a) => a.vm_id === vmId)) {
      throw notFound(`Volume ${volumeId} on GPU VM`, vmId);
    }
    const { provider, displayName, redact } = await this.access.connect(row.account_id);
    try {
      await provider.detachVolume?.(this.refOf(row), instance);
    } catch (error) {
      return providerFailure(error, displayName, redact);
    }
    await this.repo.detach(vmId, volumeId);
    await this.repo.update(volumeId, { status: 'Detaching' });
    await this.vms.addEvent(vm.id, 'volume', `volume ${row.name} detached (kept)`);
    this.access.nudge(row.account_id);
    return this.get(volumeId);
  }

  /** The checks attach and detach share: a live placed VM and a volume at its account and location. */
  private async attachmentTarget(vmId: string, volumeId: string) {
    const vm = await this.vms.get(vmId);
    if (!vm || vm.deleted_at) throw notFound('GPU VM', vmId);
    const row = await this.liveRow(volumeId);
    const capabilities = this.access.capabilities(row.provider);
    if (!capabilities?.attachToExisting) {
      throw conflict(
        'ATTACH_UNSUPPORTED',
        `${row.provider} attaches a ${capabilities?.kind ?? 'volume'} only when a machine is created: order a new VM with volumeIds instead`,
      );
    }
    if (!vm.provider_instance_id || !vm.account_id || !vm.location_code || !vm.provider_sku_id) {
      throw conflict('VM_NOT_PLACED', `GPU VM ${vm.name} is not placed at a provider yet`);
    }
    if (vm.account_id !== row.account_id || vm.location_code !== row.location_code) {
      throw conflict(
        'VOLUME_ELSEWHERE',
        `Volume ${row.name} is in ${row.datacenter_name}; GPU VM ${vm.name} runs in ${vm.datacenter_name}`,
      );
    }
    if (capabilities.attachRequiresStopped && vm.status !== 'Stopped') {
      throw conflict(
        'VM_NOT_STOPPED',
        `${row.provider} attaches and detaches volumes only while the VM is stopped; stop ${vm.name} first`,
      );
    }
    return { vm, row, capabilities, instance: instanceRefOf(vm) };
  }

  private async liveRow(id: string): Promise<VolumeRow> {
    const row = await this.repo.getLive(id);
    if (!row) throw notFound('Volume', id);
    return row;
  }

  private refOf(row: VolumeRow) {
    if (!row.provider_volume_id) {
      throw conflict('VOLUME_NOT_READY', `Volume ${row.name} is still being created; try again once it is Available`);
    }
    return { providerVolumeId: row.provider_volume_id, locationCode: row.location_code };
  }
}

/** The columns a provider's view of a volume sets. */
export function fromProvider(volume: ProviderVolume) {
  return {
    provider_volume_id: volume.providerVolumeId,
    status: volume.status,
    provider_status: volume.providerStatus,
    // Whole GB in the store: a quantity such as 512Gi reads as a fraction of a GB.
    size_gb: Math.round(volume.sizeGB),
    price_per_gb_month: volume.pricePerGBMonth?.amount ?? null,
    price_currency: volume.pricePerGBMonth?.currency ?? null,
    last_error: null,
    synced_at: new Date().toISOString(),
  };
}

function instanceRefOf(vm: VmRow): InstanceRef {
  return {
    providerInstanceId: vm.provider_instance_id as string,
    providerSkuId: vm.provider_sku_id as string,
    locationCode: vm.location_code as string,
    gpuCount: vm.gpu_count,
    spot: vm.spot === 1,
    pricePerHour: vm.price_amount === null ? null : { amount: vm.price_amount, currency: vm.price_currency ?? 'usd' },
  };
}

function notSupported(providerName: string, what: string): AppError {
  return badRequest('NOT_SUPPORTED', `${providerName} has no ${what}`);
}
