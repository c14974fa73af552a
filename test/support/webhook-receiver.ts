import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, as a receiver would check it. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  event: {
    id: string;
    type: string;
    companyId: string;
    sequence: number;
    data: Record<string, unknown>;
  };
  /** Which of the receiver's secrets verified the signature (Standard Webhooks' own verify). */
  verifiedWith: string[];
  at: number;
}

/** What to answer a request: a status (and headers), or drop the connection, or never answer. */
export type Answer =
  { status: number; headers?: Record<string, string>; body?: string } | 'drop' | 'hang';

/**
 * A webhook receiver on 127.0.0.1, as the README's integration section writes one: it verifies
 * `webhook-signature` with the `standardwebhooks` package (the same check a platform runs) and
 * records every delivery. It stops by itself when closed.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  secrets: string[] = [];
  answer: (received: Received, count: number) => Answer = () => ({ status: 204 });
  private server!: Server;
  private readonly waiters: (() => void)[] = [];
  private readonly hanging: ServerResponse[] = [];

  async start(): Promise<this> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Resolves once `predicate` holds for what was received (fails after `ms`). */
  async until(predicate: (received: Received[]) => boolean, ms = 10_000): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) {
        throw new Error(
          `webhook receiver: condition not met in ${ms} ms; got ${JSON.stringify(this.received.map((r) => r.event.type))}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      };
      const verifiedWith = this.secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const received: Received = {
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        event: JSON.parse(body) as Received['event'],
        verifiedWith,
        at: Date.now(),
      };
      this.received.push(received);
      const answer = this.answer(
        received,
        this.received.filter((other) => other.id === received.id).length,
      );
      for (const waiter of this.waiters.splice(0)) waiter();
      if (answer === 'drop') {
        request.socket.destroy();
        return;
      }
      if (answer === 'hang') {
        this.hanging.push(response);
        return;
      }
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.body ?? '');
    });
  }
}
