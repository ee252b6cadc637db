const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

export interface Progress {
  update(text: string): void;
  /** Clear the spinner line (if any) and write a final line. */
  stop(finalLine?: string): void;
}

/**
 * Progress on stderr, so stdout stays clean for scripts: an animated line at a terminal, otherwise one
 * plain line each time the text changes (log files read better without carriage returns).
 */
export function startProgress(
  text: string,
  stream: NodeJS.WriteStream = process.stderr,
  clock: () => number = Date.now,
): Progress {
  const started = clock();
  const elapsed = () => formatElapsed(clock() - started);
  return stream.isTTY ? new Spinner(text, stream, elapsed) : new PlainProgress(text, stream, elapsed);
}

/** `45s`, `2m05s`, `1h02m`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

class Spinner implements Progress {
  private frame = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private text: string,
    private readonly stream: NodeJS.WriteStream,
    private readonly elapsed: () => string,
  ) {
    this.render();
    this.timer = setInterval(() => this.render(), FRAME_MS);
  }

  update(text: string): void {
    this.text = text;
  }

  stop(finalLine?: string): void {
    clearInterval(this.timer);
    this.stream.write('\r\u001b[2K');
    if (finalLine) this.stream.write(`${finalLine}\n`);
  }

  private render(): void {
    const columns = this.stream.columns || 80;
    const line = `${FRAMES[this.frame++ % FRAMES.length]} ${this.text} (${this.elapsed()})`.slice(0, Math.max(10, columns - 1));
    this.stream.write(`\r\u001b[2K${line}`);
  }
}

class PlainProgress implements Progress {
  private last = '';

  constructor(
    text: string,
    private readonly stream: NodeJS.WriteStream,
    private readonly elapsed: () => string,
  ) {
    this.update(text);
  }

  /** A line when the text changes, with the time since the start; the time alone changing is not news. */
  update(text: string): void {
    if (text === this.last) return;
    this.last = text;
    this.stream.write(`${text} (${this.elapsed()})\n`);
  }

  stop(finalLine?: string): void {
    if (finalLine) this.stream.write(`${finalLine}\n`);
  }
}
