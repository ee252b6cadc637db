import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SECRET_KEY_FILE } from './services/secrets.ts';

/** Group and world permission bits. */
const SHARED_BITS = 0o077;

/**
 * The data directory holds the database, the admin key and the key that decrypts provider credentials:
 * it and the SQLite file are created owner-only (0700 and 0600; SQLite gives its WAL and shared-memory
 * files the database file's mode). A `secret-key` that others can read is refused rather than used,
 * since anyone who read it can already decrypt every stored credential.
 */
export function prepareDataDir(dataDir: string, sqliteFile: string | null): { warnings: string[] } {
  const warnings: string[] = [];
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // The umask may have narrowed the mode at creation; nothing wider than owner-only is ever set.
    chmodSync(dataDir, 0o700);
  } else if ((statSync(dataDir).mode & SHARED_BITS) !== 0) {
    // An existing directory may be shared on purpose (or be /tmp): say so rather than change it.
    warnings.push(`the data directory ${dataDir} is accessible to other users; \`chmod 700 ${dataDir}\` makes it owner-only`);
  }
  checkSecretKeyFile(join(dataDir, SECRET_KEY_FILE));
  if (sqliteFile && sqliteFile !== ':memory:') {
    if (!existsSync(sqliteFile)) {
      mkdirSync(dirname(sqliteFile), { recursive: true, mode: 0o700 });
      closeSync(openSync(sqliteFile, 'a', 0o600));
    }
    for (const file of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) {
      if (existsSync(file) && (statSync(file).mode & SHARED_BITS) !== 0) chmodSync(file, 0o600);
    }
  }
  return { warnings };
}

/** Throws with what to do when the secret key file exists and is readable or writable by others. */
export function checkSecretKeyFile(path: string): void {
  if (!existsSync(path)) return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & SHARED_BITS) !== 0) {
    throw new Error(
      `${path} is accessible to other users (mode ${mode.toString(8).padStart(4, '0')}); it decrypts the stored provider ` +
        `credentials. Restrict it with \`chmod 600 ${path}\` (and consider rotating the credentials), then start again.`,
    );
  }
}
