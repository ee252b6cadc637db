import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook as StandardWebhook } from 'standardwebhooks';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers on a path: a status (with headers, after a delay), or `hang` (never answer). */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

/**
 * A real HTTP receiver for webhook tests: records every request and answers each path as told (`status`,
 * 200 unless changed, for paths without a rule), so a test can make one endpoint fail, slow down or recover.
 */
export class Receiver {
  readonly received: Received[] = [];
  /** The answer of every path without a rule of its own. */
  status = 200;
  private readonly answers = new Map<string, (count: number) => Answer>();
  private readonly hanging = new Set<() => void>();
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        this.received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        const count = this.received.filter((r) => r.path === path).length;
        const answer = this.answers.get(path)?.(count) ?? { status: this.status };
        if (answer === 'hang') {
          this.hanging.add(() => response.destroy());
          return;
        }
        setTimeout(() => {
          response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
          response.end(answer.status < 300 ? 'ok' : 'nope');
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  /** How `path` answers its n-th request (1-based). */
  answer(path: string, how: (count: number) => Answer): void {
    this.answers.set(path, how);
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const drop of this.hanging) drop();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Headers as the verifier takes them: one string per name. */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
  );
}

export const startWebhookReceiver = (): Promise<Receiver> => new Receiver().start();

/** Checks the Standard Webhooks signature with the library receivers use; throws when it does not verify. */
export function verifyDelivery(secret: string, delivery: Received): unknown {
  return new StandardWebhook(secret).verify(delivery.body, flatHeaders(delivery.headers));
}
