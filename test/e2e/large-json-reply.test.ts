import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconciliationRecord } from '../../src/accounting/record.js';
import { startProxyApp, type ProxyApp } from '../../src/app/proxy-app.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { configFor } from './harness.js';

// Larger than the 64 MiB the proxy used to hold whole before reading usage.
const CONTENT_BYTES = 70 * 1024 * 1024;
const PIECE = Buffer.alloc(1024 * 1024, 0x61);
const USAGE = { prompt_tokens: 11, completion_tokens: 54_321, total_tokens: 54_332 };
const HEAD = Buffer.from('{"id":"chatcmpl-big","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"');
const TAIL = Buffer.from(`"},"finish_reason":"stop"}],"usage":${JSON.stringify(USAGE)}}`);

/** An upstream whose one reply is a 70 MiB chat completion, written with backpressure, usage last. */
function bigUpstream(): Server {
  return createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': HEAD.length + CONTENT_BYTES + TAIL.length });
      res.write(HEAD);
      let left = CONTENT_BYTES / PIECE.length;
      const more = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(PIECE)) {
            res.once('drain', more);
            return;
          }
        }
        res.end(TAIL);
      };
      more();
    });
  });
}

describe('a JSON reply too large to hold', () => {
  let upstream: Server;
  let app: ProxyApp;
  const records: ReconciliationRecord[] = [];

  beforeAll(async () => {
    upstream = bigUpstream();
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    app = await startProxyApp(configFor(url, { logLevel: 'warn' }), {
      logger: createLogger({ level: 'warn' }),
      store: new MemoryStore(),
      onRecord: (r) => records.push(r),
    });
  });

  afterAll(async () => {
    await app.stop(2000);
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('is forwarded whole and charged the usage the provider put at its end', async () => {
    const client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 60_000 });
    const response = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'write a lot' }] }).asResponse();
    let bytes = 0;
    let last = Buffer.alloc(0);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      last = Buffer.from(chunk);
    }
    expect(bytes).toBe(HEAD.length + CONTENT_BYTES + TAIL.length);
    expect(last.subarray(last.length - TAIL.length).equals(TAIL)).toBe(true);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ source: 'provider', actualInput: USAGE.prompt_tokens, actualOutput: USAGE.completion_tokens });
  }, 60_000);
});
