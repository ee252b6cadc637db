/**
 * The bench's child processes (simulators, load generators, one process per size) end with the bench,
 * however it ends: a normal finish, a thrown error, Ctrl-C, SIGTERM, or SIGKILL.
 *
 * - The parent side (`spawnChild`) kills every child still running when it exits or is signalled.
 * - The child side (`endWithParent`) exits when its stdin, a pipe from the parent, closes: the one thing
 *   that still happens when the parent is killed with SIGKILL and has no chance to clean up.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

const CHILD_MARK = 'GPUFLEET_BENCH_CHILD';
const running = new Set<ChildProcess>();
let watching = false;

function killAll(): void {
  // SIGKILL: a child busy closing connections (or stuck) cannot hold the bench's end up.
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function watch(): void {
  if (watching) return;
  watching = true;
  process.on('exit', killAll);
  const signals = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
  for (const [signal, number] of Object.entries(signals)) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + number);
    });
  }
}

/** `node <nodeArgs>` as a child that ends with this process: stdin is the lifeline, stdout a pipe to read. */
export function spawnChild(nodeArgs: string[], options: Omit<SpawnOptions, 'stdio'> = {}): ChildProcess {
  watch();
  const { env = process.env, ...rest } = options;
  const child = spawn(process.execPath, nodeArgs, {
    ...rest,
    env: { ...env, [CHILD_MARK]: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

/**
 * In a child started by `spawnChild`: exit as soon as the parent is gone (stdin reaches its end). Does not
 * keep the process alive by itself. Outside the bench (run by hand) it does nothing.
 */
export function endWithParent(onEnd: () => void = () => process.exit(1)): void {
  if (process.env[CHILD_MARK] !== '1') return;
  process.stdin.on('end', onEnd);
  process.stdin.on('error', onEnd);
  process.stdin.resume();
  (process.stdin as NodeJS.ReadStream & { unref?: () => void }).unref?.();
}
