import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { VmStatus } from '../../core/domain/types.ts';
import { nextTurn } from '../../lib/next-turn.ts';
import type { Database, VmTable } from '../../store/schema.ts';

export type VmRow = Selectable<VmTable>;
export type VmPatch = Omit<Updateable<VmTable>, 'id' | 'version' | 'created_at'>;

/** Rows of `vms` plus the two names GPUVMDetails shows, read in one query. */
export type VmRowWithNames = VmRow & { ssh_key_name: string | null; resource_group_name: string | null };

const now = () => new Date().toISOString();
/** Rows per slice when reading a whole account. */
const LIVE_SLICE = 250;

export class VmRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<VmTable>): Promise<void> {
    await this.db.insertInto('vms').values(row).execute();
  }

  async get(id: string): Promise<VmRow | undefined> {
    return this.db.selectFrom('vms').selectAll().where('id', '=', id).executeTakeFirst();
  }

  withNames() {
    return this.db
      .selectFrom('vms')
      .leftJoin('ssh_keys', 'ssh_keys.id', 'vms.ssh_key_id')
      .leftJoin('resource_groups', 'resource_groups.id', 'vms.resource_group_id')
      .selectAll('vms')
      .select(['ssh_keys.name as ssh_key_name', 'resource_groups.name as resource_group_name']);
  }

  async getWithNames(id: string): Promise<VmRowWithNames | undefined> {
    return this.withNames().where('vms.id', '=', id).executeTakeFirst();
  }

  /**
   * One VM's row with its names, plus a fingerprint (`stamp`) of everything its answer is built from: the
   * row (every write bumps `version`), the names of its SSH key and resource group, its attached volumes
   * and its billing segments, with how many of each there are. One read by primary key and indexed lookups.
   */
  async getForRead(id: string): Promise<{ row: VmRowWithNames; stamp: string; volumes: number; segments: number } | undefined> {
    const found = await this.withNames()
      .select((eb) => [
        eb
          .selectFrom('vm_volumes')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('vm_volumes.vm_id', '=', 'vms.id')
          .where('vm_volumes.detached_at', 'is', null)
          .as('stamp_volumes'),
        eb
          .selectFrom('vm_volumes')
          .innerJoin('volumes', 'volumes.id', 'vm_volumes.volume_id')
          .select((e) => e.fn.max('volumes.updated_at').as('u'))
          .whereRef('vm_volumes.vm_id', '=', 'vms.id')
          .where('vm_volumes.detached_at', 'is', null)
          .as('stamp_volumes_updated'),
        eb
          .selectFrom('vm_volumes')
          .select((e) => e.fn.max('vm_volumes.attached_at').as('a'))
          .whereRef('vm_volumes.vm_id', '=', 'vms.id')
          .where('vm_volumes.detached_at', 'is', null)
          .as('stamp_attached'),
        eb
          .selectFrom('billing_segments')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('billing_segments.vm_id', '=', 'vms.id')
          .as('stamp_segments'),
        eb
          .selectFrom('billing_segments')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('billing_segments.vm_id', '=', 'vms.id')
          .where('billing_segments.ended_at', 'is', null)
          .as('stamp_open_segments'),
      ])
      .where('vms.id', '=', id)
      .executeTakeFirst();
    if (!found) return undefined;
    const { stamp_volumes, stamp_volumes_updated, stamp_attached, stamp_segments, stamp_open_segments, ...row } = found;
    const stamp = [
      row.version,
      row.updated_at,
      row.ssh_key_name,
      row.resource_group_name,
      stamp_volumes,
      stamp_volumes_updated,
      stamp_attached,
      stamp_segments,
      stamp_open_segments,
    ].join('|');
    return { row, stamp, volumes: Number(stamp_volumes ?? 0), segments: Number(stamp_segments ?? 0) };
  }

  /** Write a patch; `expectedVersion` makes it conditional (false when someone else wrote first). */
  async update(id: string, patch: VmPatch, expectedVersion?: number): Promise<boolean> {
    let query = this.db
      .updateTable('vms')
      .set((eb) => ({ ...patch, updated_at: patch.updated_at ?? now(), version: eb('version', '+', 1) }))
      .where('id', '=', id);
    if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** VMs of an account that are not destroyed: what reconciliation compares with the provider's list. */
  async liveOfAccount(accountId: string): Promise<VmRow[]> {
    // Read in slices by id: thousands of full rows in one synchronous read would block the server.
    const rows: VmRow[] = [];
    for (let after = ''; ; ) {
      const slice = await this.db
        .selectFrom('vms')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('deleted_at', 'is', null)
        .where('id', '>', after)
        .orderBy('id')
        .limit(LIVE_SLICE)
        .execute();
      rows.push(...slice);
      if (slice.length < LIVE_SLICE) return rows;
      after = (slice[slice.length - 1] as VmRow).id;
      await nextTurn();
    }
  }

  async countLiveInTransition(accountId: string, statuses: readonly VmStatus[]): Promise<number> {
    const row = await this.db
      .selectFrom('vms')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .where('status', 'in', [...statuses])
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async addEvent(vmId: string, kind: string, message: string, data?: unknown): Promise<void> {
    await this.db
      .insertInto('vm_events')
      .values({
        id: randomUUID(),
        vm_id: vmId,
        at: now(),
        kind,
        message,
        data_json: data === undefined ? null : JSON.stringify(data),
      })
      .execute();
  }

  async events(vmId: string): Promise<{ at: string; kind: string; message: string }[]> {
    return this.db
      .selectFrom('vm_events')
      .select(['at', 'kind', 'message'])
      .where('vm_id', '=', vmId)
      .orderBy('at')
      .orderBy('id')
      .execute();
  }
}
