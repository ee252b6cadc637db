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
