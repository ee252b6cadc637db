import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Shortest pause between two writes, and how many times the last write's duration the pause is at least. */
const MIN_DELAY_MS = 200;
const DELAY_PER_WRITE_MS = 20;

/**
 * Keep a simulator's state in a JSON file so the sandbox's clouds survive a restart of gpufleet
 * (VMs the user created are still there). Writes are debounced and atomic (write then rename). A write
 * serialises the whole state, so with thousands of instances the pause between writes grows with what
 * the last one took: writing stays a small share of the simulator's time however busy it is, and every
 * change still reaches the file (at the latest on `flush` when the simulator closes).
 */
export class StateFile<T> {
  private timer: NodeJS.Timeout | null = null;
  private lastWriteMs = 0;

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

  /** Note a change; the file is written shortly after. */
  changed(): void {
    if (!this.path || this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.flush();
      },
      Math.max(MIN_DELAY_MS, DELAY_PER_WRITE_MS * this.lastWriteMs),
    );
    this.timer.unref();
  }

  flush(): void {
    if (!this.path) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const started = performance.now();
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot()));
    renameSync(tmp, this.path);
    this.lastWriteMs = performance.now() - started;
  }
}
