import { Writable } from 'node:stream';
import { startProxyApp, type ProxyApp } from '../../src/app/proxy-app.js';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startMockProvider, type MockProvider, type MockBehaviour } from '../../src/mock/index.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/telemetry/logger.js';

/** A mock provider and a proxy in front of it, on free loopback ports, with the proxy's log lines captured. */
export interface Stack {
  mock: MockProvider;
  app: ProxyApp;
  /** Parsed NDJSON log lines of the proxy. */
  logs: Array<Record<string, unknown>>;
  /** Raw log text (for secret checks). */
  rawLogs: () => string;
  close(): Promise<void>;
}

export interface StackOptions {
  config?: Partial<ConfigInput>;
  behaviour?: Partial<MockBehaviour>;
  store?: Store;
  now?: () => number;
  /** Clock of the mock alone (fixes `created` fields so direct and proxied bodies compare equal). */
  mockNow?: () => number;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const mockNow = options.mockNow ?? options.now;
  const mock = await startMockProvider({ behaviour: { seed: 'fixed', ...options.behaviour }, ...(mockNow ? { now: mockNow } : {}) });
  const lines: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        lines.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const config = configFor(mock.url, options.config ?? {});
  const app = await startProxyApp(config, {
    logger: createLogger({ level: config.logLevel, destination }),
    store: options.store ?? new MemoryStore(),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    mock,
    app,
    logs,
    rawLogs: () => lines.join('\n'),
    async close() {
      await app.stop(2000);
      await mock.close();
    },
  };
}

/** A validated config pointing both upstreams at `upstreamUrl`, on free ports, in memory. */
export function configFor(upstreamUrl: string, overrides: Partial<ConfigInput> = {}) {
  const yaml = JSON.stringify({
    port: 0,
    adminPort: 0,
    openaiUrl: upstreamUrl,
    anthropicUrl: upstreamUrl,
    store: 'memory',
    logLevel: 'info',
    ...overrides,
  });
  return loadConfig({ argv: ['--config', 'inline.yaml'], env: {}, readFile: () => yaml });
}
