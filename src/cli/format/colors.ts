import type { VmStatus } from '../../contract/gpu-vm.ts';
import type { VolumeStatus } from '../../contract/volumes.ts';

/**
 * Colour only for a person at a terminal: never when NO_COLOR is set (no-color.org), never into a pipe
 * or file unless FORCE_COLOR asks for it.
 */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Color = keyof typeof CODES;

export function paint(text: string, color: Color, enabled: boolean): string {
  return enabled ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

const STATUS_COLORS: Record<VmStatus | VolumeStatus, Color> = {
  Running: 'green',
  Provisioning: 'yellow',
  Starting: 'yellow',
  Stopping: 'yellow',
  Stopped: 'blue',
  Error: 'red',
  Destroyed: 'gray',
  Unknown: 'magenta',
  Available: 'green',
  Attached: 'green',
  Creating: 'yellow',
  Attaching: 'yellow',
  Detaching: 'yellow',
  Resizing: 'yellow',
  Deleting: 'yellow',
  Deleted: 'gray',
};

export function paintStatus(status: string, enabled: boolean): string {
  const color = STATUS_COLORS[status as VmStatus | VolumeStatus];
  return color ? paint(status, color, enabled) : status;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape sequences paint() writes is the point.
const ANSI = /\u001b\[[0-9;]*m/g;

export function stripColor(text: string): string {
  return text.replace(ANSI, '');
}

/** Width as a terminal shows it: escape sequences take no room. */
export function visibleLength(text: string): number {
  return stripColor(text).length;
}
