import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { IdentityResolver } from '../../src/proxy/identity.js';
import { ProviderCredentials } from '../../src/proxy/provider-credentials.js';
import { WebSocketPassThrough } from '../../src/proxy/websocket.js';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { createLogger } from '../../src/telemetry/logger.js';

/** WebSocketPassThrough on its own: the configured key is injected when the client sends none. */
let mock: MockProvider;
let server: Server;
let url: string;

beforeAll(async () => {
  mock = await startMockProvider();
  const credentials = new ProviderCredentials({ openai: 'sk-configured', anthropic: undefined }, false);
  const pass = new WebSocketPassThrough(mock.url, new IdentityResolver({ agent: undefined, requireAgent: false, apiKeys: [] }), createLogger({ level: 'silent' }), credentials);
  server = createServer((_req, res) => res.end());
  server.on('upgrade', (req, socket, head) => pass.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await mock.close();
});
beforeEach(() => mock.clearRequests());

async function roundTrip(headers: Record<string, string>): Promise<void> {
  const ws = new WebSocket(`${url}/agents/a1/v1/realtime`, { headers });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const echoed = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
  ws.send('ping');
  expect(await echoed).toBe('ping');
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));
}

describe('WebSocketPassThrough', () => {
  it('injects the configured key when the client sends none', async () => {
    await roundTrip({});
    expect(mock.requests[0]?.headers.authorization).toBe('Bearer sk-configured');
  });

  it('drops the x-token-ninja-* hint headers', async () => {
    await roundTrip({ 'x-token-ninja-task': 't-1', 'x-token-ninja-priority': 'high', 'x-other': 'kept' });
    const headers = mock.requests[0]?.headers ?? {};
    expect(Object.keys(headers).filter((h) => h.startsWith('x-token-ninja-'))).toEqual([]);
    expect(headers['x-other']).toBe('kept');
  });

  it("keeps the client's own key", async () => {
    await roundTrip({ authorization: 'Bearer sk-client' });
    expect(mock.requests[0]?.headers.authorization).toBe('Bearer sk-client');
    await roundTrip({ 'x-api-key': 'k2' });
    expect(mock.requests[1]?.headers.authorization).toBeUndefined();
    expect(mock.requests[1]?.headers['x-api-key']).toBe('k2');
  });
});
