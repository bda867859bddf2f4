import { Writable } from 'node:stream';
import { startProxyApp, type ProxyApp, type ProxyAppOptions } from '../../src/app/proxy-app.js';
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
  /** How the proxy re-reads its config file on a reload (absent: started without one). */
  reload?: ProxyAppOptions['reload'];
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
    reload: options.reload,
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

/**
 * Makes the allocation table name `agents` (DESIGN §8: until then they are newcomers, paid from the newcomer
 * reserve): one small request each records its demand, then a reallocation runs. Their buckets start empty.
 */
export async function nameAgents(app: ProxyApp, agents: readonly string[]): Promise<void> {
  await Promise.all(
    agents.map(async (agent) => {
      const res = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-token-ninja-agent': agent },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.arrayBuffer();
    }),
  );
  await app.reallocator.reallocate();
  const named = new Set(app.reallocator.current?.agents.map((a) => a.agent));
  const missing = agents.filter((a) => !named.has(a));
  if (missing.length > 0) throw new Error(`the table does not name ${missing.join(', ')}`);
}
