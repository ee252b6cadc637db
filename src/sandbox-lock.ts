import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One sandbox per data directory. Two servers on one directory would each run their own simulated clouds
 * over one store, and each would reconcile the other's machines as vanished. The lock holds the server's
 * process id; a lock left by a process that no longer runs is taken over.
 */
export function lockSandbox(dataDir: string): () => void {
  const path = join(dataDir, 'sandbox.lock');
  const holder = readHolder(path);
  if (holder !== null && holder !== process.pid && isRunning(holder)) {
    throw new Error(
      `another gpufleet sandbox (process ${holder}) is using ${dataDir}; stop it, or give this one its own GPUFLEET_DATA_DIR`,
    );
  }
  writeFileSync(path, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    if (readHolder(path) === process.pid) rmSync(path, { force: true });
  };
}

function readHolder(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
