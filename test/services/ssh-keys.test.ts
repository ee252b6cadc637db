import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventPublisher } from '../../src/services/events/publisher.ts';
import { parseOpenSshPublicKey } from '../../src/services/ssh-keys/openssh.ts';
import { SshKeyService } from '../../src/services/ssh-keys/service.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import {
  hasSshKeygen,
  opensshLineOf,
  readOpenSshPrivateKey,
  sshKeygenFingerprint,
  sshKeygenPublicOf,
} from './support/openssh-oracles.ts';
import { caught, manualClock, TEST_PRINCIPAL } from './support/rows.ts';

const ed25519Line = (comment = 'k') => opensshLineOf(generateKeyPairSync('ed25519').publicKey, comment);
const firstPage = { page: 1, limit: 10, sort: [] };

describe.each(STORE_KINDS)('SshKeyService on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ReturnType<typeof manualClock>;
  let service: SshKeyService;

  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    clock = manualClock();
    service = new SshKeyService({ store, clock: clock.now, events: new EventPublisher(store.db, store.dialect) });
  });
  afterEach(async () => cleanup());

  it.each([
    { label: 'ed25519', make: () => generateKeyPairSync('ed25519').publicKey, algorithm: 'ed25519', display: 'ED25519' },
    {
      label: 'rsa',
      make: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
      algorithm: 'rsa-2048',
      display: 'RSA 2048',
    },
    {
      label: 'ecdsa p256',
      make: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
      algorithm: 'ecdsa-p256',
      display: 'ECDSA P-256',
    },
    {
      label: 'ecdsa p384',
      make: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
      algorithm: 'ecdsa-p384',
      display: 'ECDSA P-384',
    },
  ])('uploads an $label key and detects its algorithm', async ({ make, algorithm, display }) => {
    const line = opensshLineOf(make(), 'dev@box');
    const key = await service.upload({ name: 'laptop', publicKey: line }, TEST_PRINCIPAL);
    expect(key).toMatchObject({
      name: 'laptop',
      entityId: TEST_PRINCIPAL.entityId,
      publicKey: line,
      algorithm,
      algorithmDisplayName: display,
      isDefault: false,
      deletedAt: null,
      createdAt: clock.now().toISOString(),
    });
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    if (hasSshKeygen) expect(key.fingerprint).toBe(sshKeygenFingerprint(line).fingerprint);
    expect(await service.get(key.id)).toEqual(key);
  });

  it('refuses garbage, duplicates and taken names', async () => {
    expect(await caught(() => service.upload({ name: 'bad', publicKey: 'ssh-ed25519 AAAA' }, TEST_PRINCIPAL))).toMatchObject({
      status: 400,
      code: 'INVALID_PUBLIC_KEY',
    });
    expect((await service.list(firstPage)).meta.total).toBe(0);

    const line = ed25519Line();
    const first = await service.upload({ name: 'Work', publicKey: line }, TEST_PRINCIPAL);
    const same = await caught(() => service.upload({ name: 'again', publicKey: line }, TEST_PRINCIPAL));
    expect(same).toMatchObject({ status: 409, code: 'SSH_KEY_EXISTS' });
    expect(same.message).toContain('Work');
    expect(await caught(() => service.upload({ name: 'work', publicKey: ed25519Line() }, TEST_PRINCIPAL))).toMatchObject({
      status: 409,
      code: 'NAME_TAKEN',
    });
    expect(await caught(() => service.upload({ name: '   ', publicKey: ed25519Line() }, TEST_PRINCIPAL))).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });

    // Once deleted, the name and the key can come back.
    await service.remove(first.id);
    const back = await service.upload({ name: 'Work', publicKey: line }, TEST_PRINCIPAL);
    expect(back.id).not.toBe(first.id);
  });

  it('generates keys, returns the private key once and stores only the public one', async () => {
    const generated = await service.generate({ name: 'gen-ed', passphrase: 'hunter22' }, TEST_PRINCIPAL);
    expect(generated.algorithm).toBe('ed25519');
    expect(generated.privateKey).toContain('BEGIN OPENSSH PRIVATE KEY');
    const privateKey = readOpenSshPrivateKey(generated.privateKey, 'hunter22').privateKey;
    const publicKey = parseOpenSshPublicKey(generated.publicKey).keyObject;
    const message = Buffer.from('login');
    expect(verify(null, message, publicKey, sign(null, message, privateKey))).toBe(true);

    const ecdsa = await service.generate({ name: 'gen-ec', algorithm: 'ecdsa-p256' }, TEST_PRINCIPAL);
    expect(ecdsa.algorithmDisplayName).toBe('ECDSA P-256');
    const ecPrivate = readOpenSshPrivateKey(ecdsa.privateKey).privateKey;
    expect(verify('sha256', message, parseOpenSshPublicKey(ecdsa.publicKey).keyObject, sign('sha256', message, ecPrivate))).toBe(
      true,
    );

    const stored = await service.get(generated.id);
    expect(stored).not.toHaveProperty('privateKey');
    const rows = await store.db.selectFrom('ssh_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain('PRIVATE KEY');

    expect(await caught(() => service.generate({ name: 'x', algorithm: 'dsa' as 'ed25519' }, TEST_PRINCIPAL))).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    expect(await caught(() => service.generate({ name: 'GEN-ED' }, TEST_PRINCIPAL))).toMatchObject({ code: 'NAME_TAKEN' });
  });

  it.skipIf(!hasSshKeygen)('generates private keys ssh-keygen loads, deriving the public key it stores', async () => {
    const withPassphrase = await service.generate({ name: 'locked', passphrase: 'hunter22' }, TEST_PRINCIPAL);
    const plain = await service.generate({ name: 'plain', algorithm: 'ecdsa-p256' }, TEST_PRINCIPAL);
    const keyOf = (line: string) => line.split(' ').slice(0, 2).join(' ');
    expect(sshKeygenPublicOf(withPassphrase.privateKey, 'hunter22')).toBe(
      keyOf((await service.get(withPassphrase.id)).publicKey),
    );
    expect(() => sshKeygenPublicOf(withPassphrase.privateKey, '')).toThrow();
    expect(sshKeygenPublicOf(plain.privateKey)).toBe(keyOf((await service.get(plain.id)).publicKey));
  });

  it('keeps at most one default key', async () => {
    const a = await service.upload({ name: 'a', publicKey: ed25519Line(), isDefault: true }, TEST_PRINCIPAL);
    clock.advance(1000);
    const b = await service.upload({ name: 'b', publicKey: ed25519Line(), isDefault: true }, TEST_PRINCIPAL);
    const c = await service.upload({ name: 'c', publicKey: ed25519Line() }, TEST_PRINCIPAL);
    const defaults = async () => (await service.list(firstPage)).items.filter((k) => k.isDefault).map((k) => k.name);
    expect(await defaults()).toEqual(['b']);
    expect((await service.get(a.id)).updatedAt).toBe(clock.now().toISOString());

    await service.update(c.id, { isDefault: true });
    expect(await defaults()).toEqual(['c']);
    await service.update(c.id, { isDefault: false });
    expect(await defaults()).toEqual([]);
    await service.update(b.id, { isDefault: true, name: 'renamed' });
    expect(await defaults()).toEqual(['renamed']);
    await service.remove(b.id);
    expect(await defaults()).toEqual([]);
  });

  it('renames, refusing a name in use', async () => {
    const a = await service.upload({ name: 'alpha', publicKey: ed25519Line() }, TEST_PRINCIPAL);
    await service.upload({ name: 'beta', publicKey: ed25519Line() }, TEST_PRINCIPAL);
    clock.advance(60_000);
    const renamed = await service.update(a.id, { name: '  gamma  ' });
    expect(renamed.name).toBe('gamma');
    expect(renamed.updatedAt).toBe(clock.now().toISOString());
    expect(renamed.createdAt).not.toBe(renamed.updatedAt);
    expect(await caught(() => service.update(a.id, { name: 'BETA' }))).toMatchObject({ status: 409, code: 'NAME_TAKEN' });
    // Its own name in another case is fine.
    expect((await service.update(a.id, { name: 'Gamma' })).name).toBe('Gamma');
  });

  it('soft-deletes', async () => {
    const key = await service.upload({ name: 'gone', publicKey: ed25519Line() }, TEST_PRINCIPAL);
    await service.remove(key.id);
    expect(await caught(() => service.get(key.id))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await caught(() => service.remove(key.id))).toMatchObject({ status: 404 });
    expect(await caught(() => service.update(key.id, { name: 'x' }))).toMatchObject({ status: 404 });
    expect((await service.list(firstPage)).items).toEqual([]);
    const row = await store.db.selectFrom('ssh_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    expect(row.deleted_at).toBe(clock.now().toISOString());
  });

  it('pages, sorts and searches', async () => {
    const names = [
      'delta',
      'alpha',
      'Charlie',
      'bravo',
      'echo',
      'foxtrot',
      'golf',
      'hotel',
      'india',
      'juliet',
      'kilo',
      '100%_real',
    ];
    for (const name of names) {
      await service.upload({ name, publicKey: ed25519Line() }, TEST_PRINCIPAL);
      clock.advance(1000);
    }
    const page1 = await service.list({ page: 1, limit: 5, sort: [] });
    expect(page1.meta).toEqual({ total: 12, page: 1, pageSize: 5, totalPages: 3, hasNextPage: true, hasPreviousPage: false });
    // Default order: newest first.
    expect(page1.items.map((k) => k.name)).toEqual(['100%_real', 'kilo', 'juliet', 'india', 'hotel']);
    const page3 = await service.list({ page: 3, limit: 5, sort: [] });
    expect(page3.meta).toEqual({ total: 12, page: 3, pageSize: 5, totalPages: 3, hasNextPage: false, hasPreviousPage: true });
    expect(page3.items.map((k) => k.name)).toEqual(['alpha', 'delta']);
    const beyond = await service.list({ page: 4, limit: 5, sort: [] });
    expect(beyond.items).toEqual([]);
    expect(beyond.meta).toMatchObject({ total: 12, hasNextPage: false, hasPreviousPage: true });

    const byName = await service.list({ page: 1, limit: 3, sort: [{ field: 'name', direction: 'asc' }] });
    expect(byName.items.map((k) => k.name)).toEqual(['100%_real', 'Charlie', 'alpha']);
    const byNameDesc = await service.list({ page: 1, limit: 2, sort: [{ field: 'name', direction: 'desc' }] });
    expect(byNameDesc.items.map((k) => k.name)).toEqual(['kilo', 'juliet']);

    const searched = await service.list({ page: 1, limit: 10, sort: [{ field: 'name', direction: 'asc' }], search: 'CHAR' });
    expect(searched.items.map((k) => k.name)).toEqual(['Charlie']);
    expect(searched.meta).toEqual({ total: 1, page: 1, pageSize: 10, totalPages: 1, hasNextPage: false, hasPreviousPage: false });
    // `%` and `_` are literal characters in a search, not wildcards.
    expect((await service.list({ ...firstPage, search: '%_' })).items.map((k) => k.name)).toEqual(['100%_real']);
    expect((await service.list({ ...firstPage, search: 'zzz' })).meta).toEqual({
      total: 0,
      page: 1,
      pageSize: 10,
      totalPages: 0,
      hasNextPage: false,
      hasPreviousPage: false,
    });

    expect(
      await caught(() => service.list({ page: 1, limit: 5, sort: [{ field: 'publicKey', direction: 'asc' }] })),
    ).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    expect(await caught(() => service.list({ page: 0, limit: 5, sort: [] }))).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await caught(() => service.list({ page: 1, limit: 101, sort: [] }))).toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
