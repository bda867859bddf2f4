import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { AdminBackend } from '../../src/admin/backend.js';
import { createAdminHandler, type AdminHandlerOptions } from '../../src/admin/handler.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';

/** A running admin server on a loopback port 0, and the log lines it wrote. */
export interface AdminServer {
  url: string;
  server: Server;
  metrics: Metrics;
  logs: string[];
  close(): Promise<void>;
}

export async function startAdmin(
  backend: AdminBackend,
  options: Partial<AdminHandlerOptions> = {},
): Promise<AdminServer> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const metrics = options.metrics ?? new Metrics({ defaultMetrics: false });
  const logger = options.logger ?? createLogger({ level: 'info', destination: sink });
  const server = createServer(createAdminHandler(backend, { ...options, metrics, logger }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    metrics,
    logs,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
