import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** How the receiver answers its n-th request (0-based): a status, or `hang` (never answers). */
export type Answer = (n: number, body: unknown) => number | 'hang';

/** A real HTTP server on a free loopback port standing in for an operator's alert webhook. */
export interface WebhookReceiver {
  readonly url: string;
  /** Every request, in arrival order (answered or not). */
  readonly requests: Received[];
  /** Requests answered 2xx: the alerts actually delivered. */
  readonly delivered: Received[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(answer: Answer = () => 204): Promise<WebhookReceiver> {
  const requests: Received[] = [];
  const delivered: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const got: Received = { path: req.url ?? '', headers: req.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
      const status = answer(requests.length, got.body);
      requests.push(got);
      if (status === 'hang') {
        hanging.push(res);
        return;
      }
      if (status >= 200 && status < 300) delivered.push(got);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/token-ninja`,
    requests,
    delivered,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
