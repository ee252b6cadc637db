import { createHash, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { matchesConstraints, rankOffers } from '../../catalog/ranking.ts';
import type { Offer } from '../../contract/catalog.ts';
import type { BulkActionResult, BulkDeleteResult, GpuVmDetails, Job, VmEvent } from '../../contract/gpu-vm.ts';
import type { OrderInput, UpdateVmInput } from '../../contract/gpu-vm-requests.ts';
import { VM_NAME_PATTERN } from '../../contract/gpu-vm-requests.ts';
import { DEFAULT_ENTITY_ID, type VmStatus, type VolumeStatus } from '../../core/domain/types.ts';
import type { VolumeCapabilities, WorkloadSupport } from '../../core/provider/provider.ts';
import type { StatusRefresher } from '../../runtime/status-refresher.ts';
import type { Dialect } from '../../store/database.ts';
import type { Database } from '../../store/schema.ts';
import type { CatalogServiceImpl } from '../catalog/service.ts';
import { accruedFrom, billingSegmentsOf } from '../costs/billing.ts';
import { AppError, badRequest, conflict, notFound } from '../errors.ts';
import type { EventPublisher } from '../events/publisher.ts';
import type { ImageServiceImpl } from '../images/service.ts';
import { JobRepository, type JobRow, toJobView } from '../jobs/repository.ts';
import type { SecretBox } from '../secrets.ts';
import type { CallContext, ListQuery, OfferConstraints, Page, VmService } from '../types.ts';
import { type VolumePin, volumePinFor, withinPin } from '../volumes/order-pin.ts';
import { VolumeRepository } from '../volumes/repository.ts';
import { lockForWrite } from '../write-lock.ts';
import type { BudgetGuard } from './budget-guard.ts';
import { type GeneratedVmKey, generateVmKey, NO_GENERATED_KEY, openStoredKey } from './credentials.ts';
import { type CreatePayload, candidateFromOffer } from './placement.ts';
import { ReadCache, type ReadVersion } from './read-cache.ts';
import { VmRepository, type VmRow, type VmRowWithNames } from './repository.ts';
import { SingleVmReads, type VmSource } from './single-reads.ts';
import { toVmDetails } from './view.ts';
import { scriptFits, secretEnvContext, type Workload, workloadColumns, workloadOf } from './workload.ts';

const SORTABLE = new Set(['createdAt', 'updatedAt', 'name', 'status']);
const SORT_COLUMNS = {
  createdAt: 'vms.created_at',
  updatedAt: 'vms.updated_at',
  name: 'vms.name',
  status: 'vms.status',
} as const;
const USERNAME = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;
const VM_NAME = new RegExp(VM_NAME_PATTERN);
const NAME_LOCK_SCOPE = 'vm_names';
const IMAGE_DEFAULT_USER: Record<string, string> = { vm: 'ubuntu', container: 'root' };

export interface VmServiceDeps {
  db: Kysely<Database>;
  /** Records `vm.created`, `vm.updated` and `vm.delete_requested`. */
  events: EventPublisher;
  /** Serialises the name check of orders and renames on PostgreSQL; SQLite needs nothing. */
  dialect?: Dialect;
  refresher: StatusRefresher;
  catalog: CatalogServiceImpl;
  images: ImageServiceImpl;
  budgets: BudgetGuard;
  /** Display name and capabilities of a provider id (for messages). */
  providerInfo: (provider: string) =>
    | {
        displayName: string;
        stopStart: boolean;
        gpuUtilization: boolean;
        workload: WorkloadSupport;
        volumes: VolumeCapabilities | null;
      }
    | undefined;
  /** Seals a VM's secret environment at rest. */
  secrets: SecretBox;
}

/**
 * Cached reads: rebuilt at least every three seconds (accrued cost, the age of a provider confirmation), and
 * served while being rebuilt for at most six when only time or a provider confirmation moved on. A changed
 * row is always rebuilt at once. Rebuilding more often costs a large fleet most of a core: at 10,000 VMs,
 * every account sync would otherwise make every cached page and VM rebuild within the second.
 */
const READ_CACHE = { ttlMs: 3_000, staleMs: 6_000, maxEntries: 1_000 };

export class VmServiceImpl implements VmService {
  private readonly vms: VmRepository;
  private readonly jobsRepo: JobRepository;
  private readonly volumes: VolumeRepository;
  private readonly listings = new ReadCache<Page<GpuVmDetails>>(READ_CACHE);
  /** Single VMs by id: their rows kept while unchanged, the answer rendered per read. */
  private readonly singles: SingleVmReads;

  constructor(private readonly deps: VmServiceDeps) {
    this.vms = new VmRepository(deps.db);
    this.jobsRepo = new JobRepository(deps.db);
    this.volumes = new VolumeRepository(deps.db);
    this.singles = new SingleVmReads(deps.db, this.vms, this.volumes);
  }

  // ---------- reads ----------

  async list(
    query: ListQuery & { resourceGroupId?: string; includeDeleted?: boolean; status?: VmStatus },
  ): Promise<Page<GpuVmDetails>> {
    const accounts = this.deps.refresher.knownAccountIds();
    await this.deps.refresher.ensureFresh(accounts);
    const version = await this.dataVersion(accounts);
    const cacheKey = JSON.stringify(query);
    return this.listings.getOrBuild(cacheKey, version, () => this.buildPage(query));
  }

  /**
   * Everything a listing page shows changes one of these: a VM row written (updated_at), a VM added, an
   * SSH key or resource group renamed, an account synced. One cheap query tells whether a cached page is
   * still true.
   */
  private async dataVersion(accountIds: string[]): Promise<ReadVersion> {
    const { rows } = await sql<{
      v: string | null;
      n: number | string;
      k: string | null;
      g: string | null;
      w: string | null;
      a: number | string;
    }>`
      select (select max(updated_at) from vms) as v, (select count(*) from vms) as n,
             (select max(updated_at) from ssh_keys) as k, (select max(updated_at) from resource_groups) as g,
             (select max(updated_at) from volumes) as w,
             (select count(*) from vm_volumes where detached_at is null) as a`.execute(this.deps.db);
    const row = rows[0];
    const synced = accountIds.map((id) => this.deps.refresher.lastSyncedAt(id) ?? 0).join(',');
    return { data: `${row?.v}|${row?.n}|${row?.k}|${row?.g}|${row?.w}|${row?.a}`, sync: synced };
  }

  private async buildPage(
    query: ListQuery & { resourceGroupId?: string; includeDeleted?: boolean; status?: VmStatus },
  ): Promise<Page<GpuVmDetails>> {
    let base = this.deps.db.selectFrom('vms');
    if (!query.includeDeleted) base = base.where('vms.deleted_at', 'is', null);
    if (query.resourceGroupId) base = base.where('vms.resource_group_id', '=', query.resourceGroupId);
    if (query.status) base = base.where('vms.status', '=', query.status);
    if (query.search) base = base.where('vms.name', 'like', `%${query.search.replace(/[%_]/g, '')}%`);
    const countRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const total = Number(countRow?.n ?? 0);

    const sort = query.sort.length > 0 ? query.sort : [{ field: 'createdAt', direction: 'desc' as const }];
    for (const s of sort) {
      if (!SORTABLE.has(s.field))
        throw badRequest('VALIDATION_ERROR', `sort: cannot sort by "${s.field}"; use ${[...SORTABLE].join(', ')}`);
    }
    // Ties broken by id in the same direction, so the listing index serves the whole ORDER BY.
    const tieBreak = sort[sort.length - 1]?.direction ?? 'desc';
    // The page's ids first, from the index alone; then the full rows of just those. Skipping to a deep page
    // with the full rows and joins in one query materialised every skipped row (8 ms a page at 10,000 VMs).
    let idsQuery = base.select('vms.id');
    for (const s of sort) idsQuery = idsQuery.orderBy(SORT_COLUMNS[s.field as keyof typeof SORT_COLUMNS], s.direction);
    idsQuery = idsQuery
      .orderBy('vms.id', tieBreak)
      .limit(query.limit)
      .offset((query.page - 1) * query.limit);
    let rowsQuery = this.vms.withNames().where('vms.id', 'in', idsQuery);
    for (const s of sort) rowsQuery = rowsQuery.orderBy(SORT_COLUMNS[s.field as keyof typeof SORT_COLUMNS], s.direction);
    const rows = await rowsQuery.orderBy('vms.id', tieBreak).execute();
    const items = await this.views(rows);
    const totalPages = Math.max(1, Math.ceil(total / query.limit));
    return {
      items,
      meta: {
        total,
        page: query.page,
        pageSize: query.limit,
        totalPages,
        hasNextPage: query.page < totalPages,
        hasPreviousPage: query.page > 1,
      },
    };
  }

  async get(id: string): Promise<GpuVmDetails> {
    // The account is known from an earlier read of this VM; keeping it fresh comes before reading the rows,
    // so a refresh it triggers is part of what the answer shows.
    const known = this.singles.known(id);
    if (known?.account_id && !known.deleted_at) await this.deps.refresher.ensureFresh([known.account_id]);
    let source = await this.singles.read(id);
    if (!source) throw notFound('GPU VM', id);
    const { account_id: accountId, deleted_at: deletedAt } = source.row;
    if (!known && accountId && !deletedAt) {
      // First read of this VM: wait, bounded, for its account's data; read again only when a refresh
      // actually happened meanwhile.
      const syncedBefore = this.deps.refresher.lastSyncedAt(accountId);
      await this.deps.refresher.ensureFresh([accountId]);
      if (this.deps.refresher.lastSyncedAt(accountId) !== syncedBefore) source = await this.singles.read(id);
      if (!source) throw notFound('GPU VM', id);
    }
    return this.render(source, Date.now());
  }

  async history(id: string): Promise<VmEvent[]> {
    if (!(await this.vms.get(id))) throw notFound('GPU VM', id);
    return this.vms.events(id);
  }

  async jobs(jobIds: string[]): Promise<Job[]> {
    const rows = await this.jobsRepo.getMany(jobIds);
    return this.jobViews(rows);
  }

  async legacyPrivateKey(id: string, ctx: CallContext): Promise<{ privateKey: string }> {
    const row = await this.vms.get(id);
    if (!row) throw notFound('GPU VM', id);
    if (!row.stored_private_key_enc) {
      throw new AppError(
        404,
        'NO_STORED_CREDENTIALS',
        row.deleted_at
          ? `GPU VM ${id} is destroyed; a key generated for it was wiped then`
          : `GPU VM ${id} has no stored credentials: it was ordered without generateSshKey and uses the SSH key library`,
      );
    }
    const privateKey = openStoredKey({ id, stored_private_key_enc: row.stored_private_key_enc }, this.deps.secrets);
    await this.vms.addEvent(id, 'credentials', `stored private key retrieved by API key "${ctx.principal.name}"`);
    return { privateKey };
  }

  // ---------- order ----------

  async order(input: OrderInput, ctx: CallContext): Promise<{ vm: GpuVmDetails; job: Job; replayed: boolean }> {
    const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
    if (ctx.idempotencyKey) {
      const previous = await this.deps.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('api_key_id', '=', ctx.principal.apiKeyId)
        .where('key', '=', ctx.idempotencyKey)
        .executeTakeFirst();
      if (previous) {
        if (previous.request_hash !== requestHash) {
          throw conflict('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body');
        }
        const job = await this.jobsRepo.get(previous.job_id);
        return {
          vm: await this.detailsOf(previous.vm_id),
          job: (await this.jobViews(job ? [job] : []))[0] as Job,
          replayed: true,
        };
      }
    }

    assertVmName(input.name);
    const entityId = ctx.principal.entityId ?? DEFAULT_ENTITY_ID;
    await assertNameFree(this.deps.db, input.name, entityId);
    if (input.username !== undefined) assertUsername(input.username);
    assertLoginKey(input);
    const workload = await workloadOf(input, this.deps.db);
    if (input.sshKeyId !== undefined) await this.assertExists('ssh_keys', input.sshKeyId, 'SSH key');
    if (input.resourceGroupId) {
      await this.assertExists('resource_groups', input.resourceGroupId, 'Resource group');
      await this.deps.budgets.assertCanOrder(input.resourceGroupId);
    }
    if (!input.datacenterId && !input.constraints) {
      throw badRequest('VALIDATION_ERROR', 'datacenterId is required unless constraints are given to choose across datacenters');
    }

    const { series, image, candidates } = await this.placementFor(input, workload);

    const first = candidates[0] as (typeof candidates)[number];
    const imageName = image.name;
    const now = new Date().toISOString();
    const vmId = randomUUID();
    const jobId = randomUUID();
    const payload: CreatePayload = {
      candidates: candidates.map(candidateFromOffer),
      index: 0,
      phase: 'place',
      pendingCreate: false,
      createRetries: 0,
      bootDeadline: null,
      cleanupInstanceId: null,
      maxPricePerHour: input.maxPricePerHour ?? null,
      volumeIds: input.volumeIds ?? [],
      defaultUsername: input.username === undefined,
    };
    const ttlAt = input.ttlHours ? new Date(Date.now() + input.ttlHours * 3_600_000).toISOString() : null;
    // Only for an order that is going to be recorded, and only here: a replay answered above never makes a second one.
    const generated: GeneratedVmKey | null = input.generateSshKey ? await generateVmKey(vmId, this.deps.secrets) : null;

    await this.deps.db.transaction().execute(async (trx) => {
      // Checked again under the lock: two orders of one name at once record one VM.
      await lockForWrite(trx, this.deps.dialect ?? 'sqlite', NAME_LOCK_SCOPE);
      await assertNameFree(trx, input.name, entityId);
      await trx
        .insertInto('vms')
        .values({
          id: vmId,
          name: input.name,
          entity_id: entityId,
          created_by_key_id: ctx.principal.apiKeyId,
          account_id: null,
          provider: null,
          provider_instance_id: null,
          provider_sku_id: null,
          location_code: null,
          status: 'Provisioning',
          provider_status: null,
          status_reason: null,
          desired_state: 'running',
          series_id: series.id,
          series_code: series.code,
          series_name: series.name,
          gpu_count: input.gpuCount,
          cpu: first.specs.vcpu,
          ram_gib: first.specs.memoryGiB,
          disk_gb: first.specs.storageGB,
          sku_id: first.skuId,
          sku_code: first.skuCode,
          datacenter_id: first.datacenter.id,
          datacenter_code: first.datacenter.code,
          datacenter_name: first.datacenter.name,
          datacenter_region: first.datacenter.region,
          datacenter_country: first.datacenter.country,
          datacenter_country_abbr: first.datacenter.countryAbbr,
          image: imageName,
          username: input.username ?? IMAGE_DEFAULT_USER[first.machineKind] ?? 'ubuntu',
          ip: null,
          ip_is_private: 0,
          ssh_port: null,
          jupyter_url: null,
          ssh_key_id: input.sshKeyId ?? null,
          resource_group_id: input.resourceGroupId ?? null,
          spot: first.spot ? 1 : 0,
          machine_kind: first.machineKind,
          price_amount: first.pricePerHour?.amount ?? null,
          price_currency: first.pricePerHour?.currency ?? null,
          bills_while_stopped: first.billsWhileStopped ? 1 : 0,
          ...(generated?.columns ?? NO_GENERATED_KEY),
          template_id: input.templateId ?? null,
          ttl_at: ttlAt,
          ttl_action: ttlAt ? (input.ttlAction ?? 'delete') : null,
          idle_minutes: input.idleMinutes ?? null,
          idle_action: input.idleMinutes ? (input.idleAction ?? 'stop') : null,
          idle_since: null,
          ...workloadColumns(workload, (value) => this.deps.secrets.seal(value, secretEnvContext(vmId))),
          created_at: now,
          updated_at: now,
          deleted_at: null,
          synced_at: null,
          version: 1,
        })
        .execute();
      await trx
        .insertInto('jobs')
        .values(this.newJobRow(jobId, vmId, 'create', ctx, payload as unknown as Record<string, unknown>, now, 'Order received'))
        .execute();
      const event = (kind: string, message: string) => ({
        id: randomUUID(),
        vm_id: vmId,
        at: now,
        kind,
        message,
        data_json: null,
      });
      await trx
        .insertInto('vm_events')
        .values([
          event('ordered', `ordered ${series.name} x${input.gpuCount}; ${candidates.length} candidate(s)`),
          ...(generated
            ? [
                event(
                  'credentials',
                  `generated an ED25519 key pair for this VM (${generated.fingerprint}); its private key is stored sealed until the VM is destroyed`,
                ),
              ]
            : []),
        ])
        .execute();
      // In the order's transaction: an event is never told of a VM that was not recorded, nor missing for one that was.
      await this.deps.events.publish(
        {
          type: 'vm.created',
          entityId,
          subject: { kind: 'vm', id: vmId },
          data: {
            name: input.name,
            seriesId: input.seriesId,
            datacenterId: input.datacenterId,
            gpuCount: input.gpuCount,
            resourceGroupId: input.resourceGroupId ?? null,
            jobId,
          },
        },
        trx,
      );
      if (ctx.idempotencyKey) {
        await trx
          .insertInto('idempotency_keys')
          .values({
            api_key_id: ctx.principal.apiKeyId,
            key: ctx.idempotencyKey,
            request_hash: requestHash,
            vm_id: vmId,
            job_id: jobId,
            created_at: now,
          })
          .execute();
      }
    });
    const job = (await this.jobsRepo.get(jobId)) as JobRow;
    return { vm: await this.detailsOf(vmId), job: toJobView(job, input.name), replayed: false };
  }

  /**
   * Where an order may land, ranked as placement will try it: the offers of its series, count and place
   * that match its constraints and image, fit its startup script and have capacity, reachable providers
   * first. Throws what the order answers when there are none (400 image or idle rule, 503, 409).
   */
  private async placementFor(input: OrderInput, workload: Workload) {
    const series = (await this.deps.catalog.series()).find((s) => s.id === input.seriesId);
    if (!series) throw notFound('GPU series', input.seriesId);
    const { offers, datacenters, failing } = await this.deps.catalog.current();
    if (input.datacenterId && !datacenters.some((d) => d.id === input.datacenterId))
      throw notFound('Datacenter', input.datacenterId);

    const image = await this.imageFor(input, offers);
    const constraints = orderConstraints(input);
    const pin = await volumePinFor(
      this.deps.db,
      input.volumeIds,
      input.datacenterId,
      (p) => this.deps.providerInfo(p)?.volumes ?? null,
    );
    const matching = withinPin(
      offers.filter(
        (o) =>
          o.series.id === series.id &&
          o.gpuCount === input.gpuCount &&
          (!input.datacenterId || o.datacenter.id === input.datacenterId),
      ),
      pin,
    );
    // Placement only considers providers that can boot the image; when none of the order's can, say which.
    const forSeries = matching.filter((o) => image.providers.includes(o.provider));
    const placeable = matching.filter((o) => matchesConstraints(o, constraints));
    if (input.templateId !== undefined) refuseTemplateOnVms(placeable);
    if (placeable.length > 0 && !placeable.some((o) => image.providers.includes(o.provider))) {
      const providers = [...new Set(placeable.map((o) => o.provider))];
      if (input.containerImage !== undefined) {
        throw badRequest(
          'CONTAINER_IMAGE_ON_VM',
          `containerImage: ${providers.join(', ')} ${providers.length === 1 ? 'runs' : 'run'} full VMs, which boot an OS image (imageName), not a container image; only container providers (RunPod pods) take one`,
          { image: image.name, providers },
        );
      }
      throw badRequest('IMAGE_NOT_SUPPORTED', `image ${image.name} cannot run on ${providers.join(', ')}`, {
        image: image.name,
        providers,
      });
    }
    if (
      input.skuCode &&
      !offers.some((o) => o.skuCode === input.skuCode && o.series.id === series.id && o.gpuCount === input.gpuCount)
    ) {
      throw badRequest('SKU_MISMATCH', `skuCode ${input.skuCode} is not a ${input.gpuCount}-GPU SKU of ${series.name}`);
    }
    if (input.skuCode) refuseSpotConflict(input, offers, constraints);
    let candidates = rankOffers(
      forSeries.filter(
        (o) => o.available && (!input.skuCode || o.skuCode === input.skuCode) && matchesConstraints(o, constraints),
      ),
    );
    candidates = this.withinScriptLimits(candidates, workload);
    candidates = withLoginUser(candidates, input.username);
    if (candidates.length === 0 && constraints.gpuUtilizationReported) {
      const withoutIdleRule = { ...constraints, gpuUtilizationReported: false };
      if (forSeries.some((o) => o.available && matchesConstraints(o, withoutIdleRule))) {
        throw badRequest(
          'IDLE_RULE_UNSUPPORTED',
          'idleMinutes needs a provider that reports GPU utilisation, and none of the offers matching this order is from one; drop idleMinutes or widen the order',
        );
      }
    }
    // Every candidate at an account known to be failing (or hidden because it has failed too long): the order
    // could only wait, so say so now, as GPCN documents.
    const failingAccounts = new Map(failing.filter((f) => f.since !== null).map((f) => [f.accountId, f]));
    const reachable = candidates.filter((o) => !failingAccounts.has(o.providerAccountId));
    const hiddenMatches = forSeries.filter(
      (o) =>
        failingAccounts.get(o.providerAccountId)?.hidden &&
        (!input.skuCode || o.skuCode === input.skuCode) &&
        matchesConstraints(o, constraints),
    );
    if (reachable.length === 0 && (candidates.length > 0 || hiddenMatches.length > 0)) {
      const down = [...new Set([...candidates, ...hiddenMatches].map((o) => o.providerAccountId))]
        .map((id) => failingAccounts.get(id))
        .filter((f) => f !== undefined)
        .map((f) => `${f.provider} (failing since ${f.since}: ${f.message})`);
      throw new AppError(
        503,
        'GPU_PROVIDER_UNAVAILABLE',
        `The GPU provider is unavailable: every offer matching this order is at a provider that is not answering: ${down.join('; ')}. Try again later.`,
      );
    }
    // Reachable providers first: a failing one is tried only after them.
    candidates = [...reachable, ...candidates.filter((o) => failingAccounts.has(o.providerAccountId))];
    if (candidates.length === 0 && pin) throw pinnedElsewhere(pin, series.name, input.gpuCount);
    if (candidates.length === 0) {
      // Capacity is there, but the order's own constraints removed all of it: say which one, not "depleted".
      const removedBy = constraintThatRemovedAll(
        forSeries.filter((o) => o.available && (!input.skuCode || o.skuCode === input.skuCode)),
        input,
        constraints,
      );
      if (removedBy) throw removedBy;
      throw conflict(
        'INVENTORY_DEPLETED',
        'Inventory depleted: nothing matching this order is available right now. Refresh the inventory and try again.',
        {
          considered: forSeries.map((o) => ({
            skuCode: o.skuCode,
            datacenterId: o.datacenter.id,
            available: o.available,
            pricePerHour: o.pricePerHour,
          })),
        },
      );
    }
    return { series, image, candidates };
  }

  /**
   * The image an order boots and the providers that can: a container image runs on any container provider
   * (RunPod pods take any image reference), an OS image is looked up in the image list.
   */
  private async imageFor(input: OrderInput, offers: Offer[]): Promise<{ name: string; providers: string[] }> {
    const image = await this.imageOf(input, offers);
    if (input.templateId === undefined) return image;
    // A template starts a container: only container providers can take the order.
    const containers = new Set(offers.filter((o) => o.machineKind === 'container').map((o) => o.provider));
    return { ...image, providers: image.providers.filter((p) => containers.has(p)) };
  }

  private async imageOf(input: OrderInput, offers: Offer[]): Promise<{ name: string; providers: string[] }> {
    if (input.containerImage !== undefined) {
      if (input.imageName !== undefined || input.imageId !== undefined) {
        throw badRequest('VALIDATION_ERROR', 'containerImage: send containerImage or imageName/imageId, not both');
      }
      const providers = [...new Set(offers.filter((o) => o.machineKind === 'container').map((o) => o.provider))];
      return { name: input.containerImage, providers };
    }
    const image = await this.deps.images.resolve(input.imageName, input.imageId);
    if ('unknown' in image)
      throw badRequest('UNKNOWN_IMAGE', `image ${image.unknown} is not one gpufleet can order (GET /v1/resource/gpu/images)`, {
        image: image.unknown,
      });
    return image;
  }

  /** The dry run of an order: the offers it would try, in order, checked exactly as the order is. */
  async preview(input: OrderInput): Promise<{ offers: Offer[]; ageSeconds: number }> {
    if (input.username !== undefined) assertUsername(input.username);
    assertLoginKey(input);
    const workload = await workloadOf(input, this.deps.db);
    const { ageSeconds } = await this.deps.catalog.current();
    try {
      return { offers: (await this.placementFor(input, workload)).candidates, ageSeconds };
    } catch (error) {
      // Nothing available, or nothing left by the constraints, is an empty preview, not a refusal.
      if (error instanceof AppError && (error.code === 'INVENTORY_DEPLETED' || error.code === 'NO_MATCHING_OFFER'))
        return { offers: [], ageSeconds };
      throw error;
    }
  }

  /**
   * Only offers whose provider takes this startup script (with the environment it carries); when that rules
   * out every offer that would otherwise do, the order is refused naming the field and the limits.
   */
  private withinScriptLimits<T extends { provider: string }>(candidates: T[], workload: Workload): T[] {
    const checked = candidates.map((offer) => {
      const support = this.deps.providerInfo(offer.provider)?.workload;
      return { offer, support, ...(support ? scriptFits(workload, support) : { bytes: 0, fits: true }) };
    });
    const fitting = checked.filter((c) => c.fits).map((c) => c.offer);
    if (fitting.length > 0 || candidates.length === 0) return fitting;
    const limits = [...new Map(checked.map((c) => [c.offer.provider, c])).values()]
      .map((c) => `${c.offer.provider} takes ${c.support?.maxStartupScriptBytes} bytes (this one is ${c.bytes})`)
      .join('; ');
    throw badRequest(
      'STARTUP_SCRIPT_TOO_LARGE',
      `startupScript: the startup script${Object.keys(workload.env).length + Object.keys(workload.secretEnv).length > 0 ? ', with the environment written into it,' : ''} is over the limit of every provider that could take this order: ${limits}`,
    );
  }

  // ---------- update ----------

  async update(id: string, input: UpdateVmInput, _ctx: CallContext): Promise<GpuVmDetails> {
    const vm = await this.requireLive(id);
    const patch: Parameters<VmRepository['update']>[1] = {};
    if (input.name !== undefined && input.name !== vm.name) {
      assertVmName(input.name);
      await assertNameFree(this.deps.db, input.name, vm.entity_id, id);
      patch.name = input.name;
    }
    if (input.username !== undefined) {
      assertUsername(input.username);
      patch.username = input.username;
    }
    if (input.resourceGroupId !== undefined) {
      if (input.resourceGroupId !== null) await this.assertExists('resource_groups', input.resourceGroupId, 'Resource group');
      patch.resource_group_id = input.resourceGroupId;
    }
    if (input.sshKeyId !== undefined) {
      if (input.sshKeyId !== null) await this.assertExists('ssh_keys', input.sshKeyId, 'SSH key');
      patch.ssh_key_id = input.sshKeyId;
    }
    if (input.ttlHours !== undefined) {
      patch.ttl_at = input.ttlHours === null ? null : new Date(Date.now() + input.ttlHours * 3_600_000).toISOString();
      patch.ttl_action = input.ttlHours === null ? null : (input.ttlAction ?? vm.ttl_action ?? 'delete');
    } else if (input.ttlAction !== undefined && vm.ttl_at) {
      patch.ttl_action = input.ttlAction;
    }
    if (input.idleMinutes !== undefined) {
      if (input.idleMinutes !== null) this.assertReportsUtilization(vm);
      patch.idle_minutes = input.idleMinutes;
      patch.idle_action = input.idleMinutes === null ? null : (input.idleAction ?? vm.idle_action ?? 'stop');
      // A new rule starts its count afresh at the next report.
      patch.idle_since = null;
    } else if (input.idleAction !== undefined && vm.idle_minutes !== null) {
      patch.idle_action = input.idleAction;
    }
    if (Object.keys(patch).length > 0) {
      if (patch.name !== undefined) {
        const name = patch.name;
        await this.deps.db.transaction().execute(async (trx) => {
          await lockForWrite(trx, this.deps.dialect ?? 'sqlite', NAME_LOCK_SCOPE);
          await assertNameFree(trx, name, vm.entity_id, id);
          await new VmRepository(trx).update(id, patch);
        });
      } else {
        await this.vms.update(id, patch);
      }
      await this.vms.addEvent(id, 'updated', `updated ${Object.keys(patch).join(', ')}`);
      await this.deps.events.publish({
        type: 'vm.updated',
        entityId: vm.entity_id,
        subject: { kind: 'vm', id },
        data: {
          name: patch.name ?? vm.name,
          ...(patch.name !== undefined ? { previousName: vm.name } : {}),
          fields: Object.keys(input).filter((k) => input[k as keyof UpdateVmInput] !== undefined),
        },
      });
    }
    return this.detailsOf(id);
  }

  // ---------- actions ----------

  async remove(id: string, ctx: CallContext): Promise<Job> {
    const vm = await this.vms.get(id);
    if (!vm) throw notFound('GPU VM', id);
    if (vm.status === 'Destroyed') throw conflict('ALREADY_DESTROYED', `GPU VM ${id} is already destroyed`);
    const active = await this.jobsRepo.activeForVm(id);
    const existing = active.find((j) => j.operation === 'delete');
    if (existing) return (await this.jobViews([existing]))[0] as Job;
    const now = new Date().toISOString();
    for (const job of active) {
      await this.jobsRepo.update(job.id, {
        state: 'failed',
        stage: 'failed',
        error_code: 'CANCELLED',
        error_message: 'Superseded by a delete request',
        completed_at: now,
      });
    }
    await this.vms.update(id, { desired_state: 'deleted' });
    // Deleting a VM never deletes its data volumes: they are detached with it and kept, and the answer says so.
    const kept = await this.volumes.attachedToVms([id]);
    const keptNote =
      kept.length > 0
        ? `; volume${kept.length > 1 ? 's' : ''} ${kept.map((v) => `${v.name} (${v.size_gb} GB)`).join(', ')} will be detached and kept`
        : '';
    await this.vms.addEvent(id, 'delete_requested', `deletion requested${keptNote}`);
    const job = await this.enqueue(vm, 'delete', ctx, {}, `GPU VM deletion initiated${keptNote}`);
    await this.deps.events.publish({
      type: 'vm.delete_requested',
      entityId: vm.entity_id,
      subject: { kind: 'vm', id },
      data: { name: vm.name, jobId: job.jobId, keptVolumeIds: kept.map((v) => v.id) },
    });
    return job;
  }

  async start(id: string, ctx: CallContext): Promise<Job> {
    const vm = await this.requirePowerable(id, 'start');
    if (vm.status === 'Running') throw conflict('INVALID_STATE', `GPU VM ${id} is already running`);
    await this.vms.update(id, { desired_state: 'running' });
    return this.enqueue(vm, 'start', ctx, { phase: 'request', action: 'start', deadline: null }, 'Start requested');
  }

  async stop(id: string, ctx: CallContext): Promise<{ job: Job; warning: string | null }> {
    const vm = await this.requirePowerable(id, 'stop');
    if (vm.status === 'Stopped') throw conflict('INVALID_STATE', `GPU VM ${id} is already stopped`);
    await this.vms.update(id, { desired_state: 'stopped' });
    const job = await this.enqueue(vm, 'stop', ctx, { phase: 'request', action: 'stop', deadline: null }, 'Stop requested');
    const info = vm.provider ? this.deps.providerInfo(vm.provider) : undefined;
    const warning =
      vm.bills_while_stopped === 1
        ? `${info?.displayName ?? vm.provider} keeps billing a stopped VM${vm.price_amount !== null ? ` (${vm.price_amount} ${vm.price_currency}/h)` : ''}; delete it to stop the charges.`
        : null;
    return { job, warning };
  }

  async restart(id: string, ctx: CallContext): Promise<Job> {
    const vm = await this.requirePowerable(id, 'restart');
    if (vm.status !== 'Running') throw conflict('INVALID_STATE', `GPU VM ${id} must be running to restart (it is ${vm.status})`);
    return this.enqueue(vm, 'restart', ctx, { phase: 'request', action: 'stop', deadline: null }, 'Restart requested');
  }

  async bulkStop(ids: string[], ctx: CallContext): Promise<BulkActionResult> {
    return this.bulk(ids, async (id) => (await this.stop(id, ctx)).job);
  }

  async bulkStart(ids: string[], ctx: CallContext): Promise<BulkActionResult> {
    return this.bulk(ids, (id) => this.start(id, ctx));
  }

  async bulkDelete(ids: string[], ctx: CallContext): Promise<BulkDeleteResult> {
    const jobs: Job[] = [];
    const result = await this.bulk(ids, async (id) => {
      const job = await this.remove(id, ctx);
      jobs.push(job);
      return job;
    });
    return { jobs, ...result };
  }

  // ---------- helpers ----------

  private async bulk(ids: string[], action: (id: string) => Promise<Job>): Promise<BulkActionResult> {
    const results: BulkActionResult['results'] = [];
    for (const id of [...new Set(ids)]) {
      try {
        const job = await action(id);
        results.push({ id, success: true, error: null, jobId: job.jobId });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        results.push({ id, success: false, error: error.message });
      }
    }
    const succeeded = results.filter((r) => r.success).length;
    return { results, summary: { total: results.length, succeeded, failed: results.length - succeeded } };
  }

  /** A referenced SSH key or resource group must exist and not be deleted. */
  private async assertExists(table: 'ssh_keys' | 'resource_groups', id: string, what: string): Promise<void> {
    const row = await this.deps.db
      .selectFrom(table)
      .select('id')
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound(what, id);
  }

  private async requireLive(id: string): Promise<VmRow> {
    const vm = await this.vms.get(id);
    if (!vm) throw notFound('GPU VM', id);
    if (vm.deleted_at) throw conflict('ALREADY_DESTROYED', `GPU VM ${id} is destroyed`);
    return vm;
  }

  private assertReportsUtilization(vm: VmRow): void {
    if (!vm.provider) throw conflict('INVALID_STATE', `GPU VM ${vm.id} has no machine at a provider yet`);
    const info = this.deps.providerInfo(vm.provider);
    if (!info?.gpuUtilization) {
      throw badRequest(
        'IDLE_RULE_UNSUPPORTED',
        `${info?.displayName ?? vm.provider} does not report GPU utilisation, so an idle rule cannot work there; use ttlHours instead`,
      );
    }
  }

  private async requirePowerable(id: string, action: string): Promise<VmRow> {
    const vm = await this.requireLive(id);
    if (!vm.provider_instance_id || !vm.provider)
      throw conflict('INVALID_STATE', `GPU VM ${id} has no machine at a provider yet`);
    if (this.deps.providerInfo(vm.provider)?.stopStart === false) {
      throw badRequest('NOT_SUPPORTED', `${vm.provider} cannot ${action} machines; delete and order again instead`);
    }
    const active = await this.jobsRepo.activeForVm(id);
    if (active.length > 0) {
      throw conflict('VM_BUSY', `GPU VM ${id} is busy with a ${active[0]?.operation} operation (job ${active[0]?.id})`);
    }
    return vm;
  }

  private async enqueue(
    vm: VmRow,
    operation: string,
    ctx: CallContext,
    payload: Record<string, unknown>,
    message: string,
  ): Promise<Job> {
    const id = randomUUID();
    const now = new Date().toISOString();
    await this.jobsRepo.insert(this.newJobRow(id, vm.id, operation, ctx, payload, now, message));
    if (vm.account_id) this.deps.refresher.nudge(vm.account_id);
    return toJobView((await this.jobsRepo.get(id)) as JobRow, vm.name);
  }

  private newJobRow(
    id: string,
    vmId: string,
    operation: string,
    ctx: CallContext,
    payload: Record<string, unknown>,
    now: string,
    message: string,
  ) {
    return {
      id,
      vm_id: vmId,
      operation,
      state: 'queued',
      stage: 'queued',
      progress: 0,
      message,
      error_code: null,
      error_message: null,
      attempts_json: '[]',
      payload_json: JSON.stringify(payload),
      can_retry: 0 as const,
      api_key_id: ctx.principal.apiKeyId,
      run_after: now,
      lease_owner: null,
      lease_until: null,
      deadline_at: null,
      created_at: now,
      updated_at: now,
      completed_at: null,
    };
  }

  private async detailsOf(id: string): Promise<GpuVmDetails> {
    const row = await this.vms.getWithNames(id);
    if (!row) throw notFound('GPU VM', id);
    return (await this.views([row]))[0] as GpuVmDetails;
  }

  private async views(rows: VmRowWithNames[]): Promise<GpuVmDetails[]> {
    const ids = rows.map((r) => r.id);
    const [segments, attached] = await Promise.all([billingSegmentsOf(this.deps.db, ids), this.volumes.attachedToVms(ids)]);
    const nowMs = Date.now();
    return rows.map((row) =>
      this.render(
        { row, segments: segments.filter((s) => s.vm_id === row.id), attached: attached.filter((v) => v.vm_id === row.id) },
        nowMs,
      ),
    );
  }

  /** One VM's answer from its rows, as of `nowMs`. */
  private render({ row, segments, attached }: VmSource, nowMs: number): GpuVmDetails {
    return toVmDetails(row, {
      accountSyncedAt: row.account_id ? this.deps.refresher.lastSyncedAt(row.account_id) : null,
      accrued: accruedFrom(segments, nowMs).get(row.id),
      maxStalenessMs: this.deps.refresher.options.maxStalenessMs,
      volumes: attached.map((v) => ({
        id: v.id,
        name: v.name,
        sizeGB: Number(v.size_gb),
        type: v.type,
        status: v.status as VolumeStatus,
        attachedAt: v.attached_at,
        mountHint: this.deps.providerInfo(v.provider)?.volumes?.mountHint ?? '',
      })),
    });
  }

  private async jobViews(rows: JobRow[]): Promise<Job[]> {
    if (rows.length === 0) return [];
    const names = await this.deps.db
      .selectFrom('vms')
      .select(['id', 'name'])
      .where('id', 'in', [...new Set(rows.map((r) => r.vm_id))])
      .execute();
    const byId = new Map(names.map((n) => [n.id, n.name]));
    return rows.map((r) => toJobView(r, byId.get(r.vm_id) ?? ''));
  }
}

/** The order's volumes leave no offer: say where they pin it and why nothing is there. */
function pinnedElsewhere(pin: VolumePin, seriesName: string, gpuCount: number): AppError {
  return conflict(
    'VOLUME_PLACEMENT',
    `volumeIds: volume${pin.names.length > 1 ? 's' : ''} ${pin.names.join(', ')} pin${pin.names.length > 1 ? '' : 's'} the VM to ${pin.datacenterName} (${pin.provider}), and no ${seriesName} x${gpuCount} matching this order is available there right now`,
    { datacenterId: pin.datacenterId, provider: pin.provider },
  );
}

/**
 * A named SKU is either spot or on-demand; an order that also says the other is refused naming both, rather
 * than answered as if the SKU were gone.
 */
function refuseSpotConflict(input: OrderInput, offers: readonly Offer[], constraints: OfferConstraints): void {
  const sku = offers.find((o) => o.skuCode === input.skuCode);
  if (!sku) return;
  const said =
    input.constraints?.spot !== undefined ? `constraints.spot is "${input.constraints.spot}"` : `spot is ${input.spot}`;
  if (sku.spot && constraints.spot === 'exclude') {
    throw badRequest(
      'SKU_MISMATCH',
      `skuCode ${sku.skuCode} is a spot (interruptible) SKU, but this order excludes spot (${said}); leave the spot setting out or name an on-demand SKU`,
      { skuCode: sku.skuCode, spot: true },
    );
  }
  if (!sku.spot && constraints.spot === 'only') {
    throw badRequest(
      'SKU_MISMATCH',
      `skuCode ${sku.skuCode} is an on-demand SKU, but this order asks for spot only (${said}); leave the spot setting out or name a spot SKU`,
      { skuCode: sku.skuCode, spot: false },
    );
  }
}

/** 1–63 letters, digits, `-`, `_` and `.`, starting with a letter or digit. */
function assertVmName(name: string): void {
  if (!VM_NAME.test(name)) {
    throw badRequest(
      'VALIDATION_ERROR',
      `name must be 1-63 characters of letters, digits, -, _ and ., starting with a letter or digit (got "${name.length > 80 ? `${name.slice(0, 80)}…` : name}")`,
      { field: 'name' },
    );
  }
}

/**
 * A VM's name is unique among its entity's live VMs, ignoring case, so running an order twice never records
 * a second billing VM by accident; the answer names the VM that has it.
 */
async function assertNameFree(db: Kysely<Database>, name: string, entityId: string, exceptId?: string): Promise<void> {
  let query = db
    .selectFrom('vms')
    .select(['id', 'name', 'status'])
    .where('deleted_at', 'is', null)
    .where('status', '!=', 'Destroyed')
    .where('entity_id', '=', entityId)
    .where(sql<boolean>`lower(name) = ${name.toLowerCase()}`);
  if (exceptId) query = query.where('id', '!=', exceptId);
  const taken = await query.executeTakeFirst();
  if (taken) {
    throw conflict(
      'NAME_TAKEN',
      `A GPU VM named "${taken.name}" already exists (${taken.id}, ${taken.status}); choose another name, or delete that VM first`,
      { field: 'name', id: taken.id, name: taken.name, status: taken.status },
    );
  }
}

interface ConstraintStep {
  /** What the order sent, as the field it sent it in. */
  field: string;
  value: unknown;
  /** The constraints with this step's added to the ones before it. */
  adds: OfferConstraints;
  /** Why nothing is left, given the offers the steps before it left. */
  explain: (left: Offer[]) => string;
}

const where = (offers: Offer[], describe: (o: Offer) => string) => [...new Set(offers.map(describe))].sort().join(', ');

/**
 * When available offers of the order's series, count and place exist but its constraints leave none, the
 * constraint that removed the last of them, as a 409 `NO_MATCHING_OFFER` naming it (message and `details`).
 * Price comes last, so "the cheapest match" is the cheapest offer every other constraint lets through.
 * Undefined when the constraints are not what emptied the list (true capacity shortage).
 */
function constraintThatRemovedAll(available: Offer[], input: OrderInput, constraints: OfferConstraints): AppError | undefined {
  if (available.length === 0) return undefined;
  const c = constraints;
  const spotField = input.constraints?.spot !== undefined ? 'constraints.spot' : 'spot';
  const priceField = input.maxPricePerHour !== undefined ? 'maxPricePerHour' : 'constraints.maxPricePerHour';
  const steps: ConstraintStep[] = [];
  if (c.countries?.length)
    steps.push({
      field: 'constraints.countries',
      value: c.countries,
      adds: { countries: c.countries },
      explain: (left) =>
        `none is in ${c.countries?.join(', ')} (constraints.countries); it is offered in ${where(left, (o) => o.datacenter.countryAbbr)}`,
    });
  if (c.regions?.length)
    steps.push({
      field: 'constraints.regions',
      value: c.regions,
      adds: { regions: c.regions },
      explain: (left) =>
        `none is in region ${c.regions?.join(', ')} (constraints.regions); it is offered in ${where(left, (o) => o.datacenter.region)}`,
    });
  if (c.providers?.length)
    steps.push({
      field: 'constraints.providers',
      value: c.providers,
      adds: { providers: c.providers },
      explain: (left) =>
        `none is offered by ${c.providers?.join(', ')} (constraints.providers); it is offered by ${where(left, (o) => o.provider)}`,
    });
  if (c.excludeProviders?.length)
    steps.push({
      field: 'constraints.excludeProviders',
      value: c.excludeProviders,
      adds: { excludeProviders: c.excludeProviders },
      explain: (left) =>
        `constraints.excludeProviders leaves out ${c.excludeProviders?.join(', ')}, and only ${where(left, (o) => o.provider)} offer${new Set(left.map((o) => o.provider)).size > 1 ? '' : 's'} this order`,
    });
  if (c.machineKinds?.length)
    steps.push({
      field: 'constraints.machineKinds',
      value: c.machineKinds,
      adds: { machineKinds: c.machineKinds },
      explain: (left) =>
        `none runs as ${c.machineKinds?.join(' or ')} (constraints.machineKinds); it is offered as ${where(left, (o) => o.machineKind)}`,
    });
  if (c.spot && c.spot !== 'allow')
    steps.push({
      field: spotField,
      value: spotField === 'spot' ? input.spot === true : c.spot,
      adds: { spot: c.spot },
      explain: () =>
        c.spot === 'only'
          ? `no spot capacity matches this order (${spotField}); only on-demand machines are available, leave the spot setting out to take one`
          : `only spot (interruptible) capacity matches this order right now, and ${spotField === 'spot' ? 'the order excludes spot' : 'constraints.spot is "exclude"'}; set spot: true (or constraints.spot "allow") to take it`,
    });
  if (c.maxPricePerHour !== undefined)
    steps.push({
      field: priceField,
      value: c.maxPricePerHour,
      adds: { maxPricePerHour: c.maxPricePerHour },
      explain: (left) => {
        const cheapest = rankOffers(left)[0];
        const price = cheapest?.pricePerHour;
        return price
          ? `none is offered at or under ${c.maxPricePerHour} per hour (${priceField}); the cheapest match costs ${price.amount} ${price.currency} per hour (${cheapest.skuCode} at ${cheapest.datacenter.name})`
          : `none is offered at or under ${c.maxPricePerHour} per hour (${priceField}); no matching offer has a known price`;
      },
    });
  let applied: OfferConstraints = { spot: 'allow' };
  let left = available;
  for (const step of steps) {
    applied = { ...applied, ...step.adds };
    const next = available.filter((o) => matchesConstraints(o, applied));
    if (next.length === 0) {
      const cheapest = rankOffers(left)[0];
      const reason = step.explain(left);
      return conflict('NO_MATCHING_OFFER', `No offer matches this order: ${reason}.`, {
        constraint: step.field,
        value: step.value,
        matchingBefore: left.length,
        ...(step.adds.maxPricePerHour !== undefined && cheapest
          ? {
              cheapest: {
                skuCode: cheapest.skuCode,
                provider: cheapest.provider,
                datacenterId: cheapest.datacenter.id,
                pricePerHour: cheapest.pricePerHour,
              },
            }
          : {}),
      });
    }
    left = next;
  }
  return undefined;
}

/** GPCN's rule for the login user: 3–20 characters, `^[a-zA-Z_][a-zA-Z0-9_-]*$`. */
function assertUsername(username: string): void {
  if (!USERNAME.test(username) || username.length < 3 || username.length > 20) {
    throw badRequest(
      'VALIDATION_ERROR',
      'username must be 3-20 characters, start with a letter or underscore, and use only letters, digits, _ and -',
    );
  }
}

/**
 * GPCN requires `sshKeyId`; gpufleet also takes an order that only asks for a generated key pair, which is
 * then the VM's one way in. An order with neither could never be logged into.
 */
function assertLoginKey(input: Pick<OrderInput, 'sshKeyId' | 'generateSshKey'>): void {
  if (input.sshKeyId === undefined && input.generateSshKey !== true) {
    throw badRequest(
      'VALIDATION_ERROR',
      'sshKeyId is required unless generateSshKey is true (a key pair generated for this VM alone)',
    );
  }
}

/**
 * A template starts a container, so it rules out every VM offer; when the order's offers are all VMs it is
 * refused naming the field, as a container image is.
 */
function refuseTemplateOnVms(placeable: readonly Offer[]): void {
  if (placeable.length === 0 || placeable.some((o) => o.machineKind === 'container')) return;
  const providers = [...new Set(placeable.map((o) => o.provider))];
  throw badRequest(
    'TEMPLATE_ON_VM',
    `templateId: ${providers.join(', ')} ${providers.length === 1 ? 'runs' : 'run'} full VMs, which cannot start from a container template; only container providers (RunPod pods) take one`,
    { providers },
  );
}

/**
 * How an order's shortcuts read as constraints: `constraints.spot` wins, a top-level `maxPricePerHour` wins.
 * An order that names its SKU and says nothing about spot takes that SKU as named, spot or not.
 */
export function orderConstraints(
  input: Pick<OrderInput, 'constraints' | 'spot' | 'maxPricePerHour' | 'idleMinutes' | 'skuCode'>,
): OfferConstraints {
  return {
    ...input.constraints,
    spot:
      input.constraints?.spot ??
      (input.spot !== undefined ? (input.spot ? 'only' : 'exclude') : input.skuCode ? 'allow' : 'exclude'),
    ...(input.maxPricePerHour !== undefined ? { maxPricePerHour: input.maxPricePerHour } : {}),
    // An idle rule only works where the provider says how busy the GPUs are.
    ...(input.idleMinutes ? { gpuUtilizationReported: true } : {}),
  };
}

/**
 * A username other than root rules out container providers: RunPod pods log in as root and cannot make
 * another user. When that leaves nothing of an order that would otherwise place, it is refused saying why.
 */
function withLoginUser<T extends { machineKind: string; provider: string }>(candidates: T[], username?: string): T[] {
  if (username === undefined || username === 'root') return candidates;
  const vms = candidates.filter((o) => o.machineKind !== 'container');
  if (vms.length > 0 || candidates.length === 0) return vms;
  const providers = [...new Set(candidates.map((o) => o.provider))].join(', ');
  throw badRequest(
    'USERNAME_UNSUPPORTED',
    `username: ${providers} ${providers.includes(',') ? 'run' : 'runs'} containers that log in as root and cannot create "${username}"; leave username out or order a VM`,
  );
}
