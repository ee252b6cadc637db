import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Keep a simulator's state in a JSON file so the sandbox's clouds survive a restart of gpufleet
 * (VMs the user created are still there). Every change is written at once, atomically (write then
 * rename), before the request that made it is answered: a real cloud never forgets an instance it
 * accepted, so neither may its simulator when gpufleet is killed right after the answer.
 */
export class StateFile<T> {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string | undefined,
    private readonly snapshot: () => T,
  ) {}

  load(): T | null {
    if (!this.path || !existsSync(this.path)) return null;
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as T;
    } catch {
      return null;
    }
  }

  /** Note a change: the file is written now (synchronously, so before any answer is sent). */
  changed(): void {
    if (!this.path) return;
    this.flush();
  }

  flush(): void {
    if (!this.path) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // Owner-only, as everything in gpufleet's data directory: the state holds the simulated accounts' credentials.
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot()), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
