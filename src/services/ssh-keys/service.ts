import { randomUUID } from 'node:crypto';
import type { SshKey, SshKeyAlgorithmChoice } from '../../contract/ssh-keys.ts';
import type { Principal } from '../../core/domain/types.ts';
import type { Store } from '../../store/database.ts';
import { AppError, badRequest, conflict, notFound } from '../errors.ts';
import type { EventPublisher } from '../events/publisher.ts';
import { cleanName } from '../names.ts';
import { paginate } from '../pagination.ts';
import type { ListQuery, Page, SshKeyService as SshKeyServiceContract } from '../types.ts';
import { lockForWrite } from '../write-lock.ts';
import { generateSshKeyPair, SSH_KEY_ALGORITHM_CHOICES } from './keygen.ts';
import { type OpenSshPublicKey, parseOpenSshPublicKey } from './openssh.ts';
import { SshKeyRepository, toSshKey } from './repository.ts';

export const SSH_KEY_SORTABLE = {
  name: 'name',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  algorithm: 'algorithm',
} as const;

const LOCK_SCOPE = 'ssh_keys';
const MAX_PASSPHRASE_LENGTH = 1024;

export interface SshKeyServiceDeps {
  store: Store;
  /** Records `ssh_key.created` and `ssh_key.deleted`. */
  events: EventPublisher;
  clock?: () => Date;
}

/**
 * SSH keys users log into their VMs with. Names are unique (ignoring case) among keys not deleted, at most
 * one key is the default, and deleting is soft: VMs that used a key keep pointing at it.
 */
export class SshKeyService implements SshKeyServiceContract {
  private readonly store: Store;
  private readonly repo: SshKeyRepository;
  private readonly now: () => string;
  private readonly events: EventPublisher;

  constructor(deps: SshKeyServiceDeps) {
    this.store = deps.store;
    this.events = deps.events;
    this.repo = new SshKeyRepository(deps.store.db);
    const clock = deps.clock ?? (() => new Date());
    this.now = () => clock().toISOString();
  }

  list(query: ListQuery): Promise<Page<SshKey>> {
    return paginate(this.repo.live(), query, {
      sortable: SSH_KEY_SORTABLE,
      searchColumns: ['name'],
      tiebreaker: 'id',
      map: toSshKey,
    });
  }

  async get(id: string): Promise<SshKey> {
    const row = await this.repo.getLive(id);
    if (!row) throw notFound('SSH key', id);
    return toSshKey(row);
  }

  async upload(input: { name: string; publicKey: string; isDefault?: boolean }, principal: Principal): Promise<SshKey> {
    const name = cleanName(input.name, 'name');
    if (typeof input.publicKey !== 'string') throw new AppError(400, 'INVALID_PUBLIC_KEY', 'publicKey must be a string');
    const parsed = parseOpenSshPublicKey(input.publicKey);
    return this.insert(name, parsed, input.isDefault === true, principal);
  }

  async generate(
    input: { name: string; algorithm?: SshKeyAlgorithmChoice; passphrase?: string; isDefault?: boolean },
    principal: Principal,
  ): Promise<SshKey & { privateKey: string }> {
    const name = cleanName(input.name, 'name');
    const algorithm = input.algorithm ?? 'ed25519';
    if (!SSH_KEY_ALGORITHM_CHOICES.includes(algorithm)) {
      throw badRequest('VALIDATION_ERROR', `algorithm must be one of ${SSH_KEY_ALGORITHM_CHOICES.join(', ')}`);
    }
    const passphrase = input.passphrase;
    if (passphrase !== undefined && (typeof passphrase !== 'string' || passphrase.length > MAX_PASSPHRASE_LENGTH)) {
      throw badRequest('VALIDATION_ERROR', `passphrase must be a string of at most ${MAX_PASSPHRASE_LENGTH} characters`);
    }
    // Fail on a taken name before spending seconds on an RSA key; insert() checks again under the lock.
    await this.assertNameFree(name);
    const pair = await generateSshKeyPair(algorithm, { comment: name, ...(passphrase ? { passphrase } : {}) });
    const key = await this.insert(name, pair.publicKey, input.isDefault === true, principal);
    return { ...key, privateKey: pair.privateKey };
  }

  async update(id: string, input: { name?: string; isDefault?: boolean }): Promise<SshKey> {
    const name = input.name === undefined ? undefined : cleanName(input.name, 'name');
    return this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      const repo = new SshKeyRepository(trx);
      const row = await repo.getLive(id);
      if (!row) throw notFound('SSH key', id);
      if (name !== undefined) await assertNameFree(repo, name, id);
      const at = this.now();
      if (input.isDefault === true) await repo.clearDefault(at);
      await repo.update(id, {
        ...(name !== undefined ? { name } : {}),
        ...(input.isDefault !== undefined ? { is_default: input.isDefault ? 1 : 0 } : {}),
        updated_at: at,
      });
      return toSshKey((await repo.getLive(id))!);
    });
  }

  async remove(id: string): Promise<void> {
    const row = await this.repo.getLive(id);
    if (!row) throw notFound('SSH key', id);
    const at = this.now();
    // VMs keep their ssh_key_id: their details still show the name of the key they were made with.
    await this.repo.update(id, { deleted_at: at, updated_at: at, is_default: 0 });
    await this.events.publish({
      type: 'ssh_key.deleted',
      entityId: row.entity_id,
      subject: { kind: 'ssh_key', id },
      data: { name: row.name, fingerprint: row.fingerprint },
    });
  }

  private async assertNameFree(name: string): Promise<void> {
    await assertNameFree(this.repo, name);
  }

  private async insert(name: string, key: OpenSshPublicKey, isDefault: boolean, principal: Principal): Promise<SshKey> {
    const id = randomUUID();
    return this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      const repo = new SshKeyRepository(trx);
      await assertNameFree(repo, name);
      const same = await repo.findLiveByFingerprint(key.fingerprint);
      if (same) throw conflict('SSH_KEY_EXISTS', `this public key is already uploaded as "${same.name}"`, { id: same.id });
      const at = this.now();
      if (isDefault) await repo.clearDefault(at);
      await repo.insert({
        id,
        entity_id: principal.entityId,
        name,
        public_key: key.line,
        fingerprint: key.fingerprint,
        algorithm: key.algorithm,
        algorithm_display_name: key.algorithmDisplayName,
        is_default: isDefault ? 1 : 0,
        created_at: at,
        updated_at: at,
        deleted_at: null,
      });
      // The public half only: a generated private key is shown once and never stored, nor sent here.
      await this.events.publish(
        {
          type: 'ssh_key.created',
          entityId: principal.entityId,
          subject: { kind: 'ssh_key', id },
          data: { name, fingerprint: key.fingerprint, algorithm: key.algorithm },
        },
        trx,
      );
      return toSshKey((await repo.getLive(id))!);
    });
  }
}

async function assertNameFree(repo: SshKeyRepository, name: string, exceptId?: string): Promise<void> {
  const taken = await repo.findLiveByName(name, exceptId);
  if (taken) throw conflict('NAME_TAKEN', `an SSH key named "${taken.name}" already exists`);
}
