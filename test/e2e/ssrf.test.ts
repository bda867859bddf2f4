import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';
import { rawExchange, statusOf } from './raw-socket.js';

/**
 * The proxy forwards only to its configured upstreams: no request target or Host header a client writes can
 * make it talk to another address. An "evil" server on loopback counts any connection it receives.
 */
let stack: Stack;
let evil: Server;
let evilHost: string;
let evilHits = 0;
let proxyPort: number;

beforeAll(async () => {
  stack = await startStack();
  proxyPort = Number(new URL(stack.app.url).port);
  evil = createServer((_req, res) => {
    evilHits++;
    res.end('pwned');
  });
  evil.on('connection', () => evilHits++);
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', () => resolve()));
  evilHost = `127.0.0.1:${(evil.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await stack.close();
  await new Promise<void>((resolve) => {
    evil.close(() => resolve());
    evil.closeAllConnections();
  });
});
beforeEach(() => stack.mock.clearRequests());

function get(target: string, host = '127.0.0.1', method = 'GET'): string {
  return `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

const REFUSED_TARGETS = [
  () => `http://${evilHost}/v1/models`,
  () => `http://${evilHost}/`,
  () => 'http://evil.example/v1/chat/completions',
  () => 'https://evil.example/v1/models',
  () => `//${evilHost}/v1/models`,
  () => '//evil.example/v1/models',
  () => '/v1/../admin',
  () => '/v1/models/../../x',
  () => '/v1/./models',
  () => '/v1/%2e%2e/admin',
  () => '/v1/%2E%2E/%2e%2E/etc/passwd',
  () => '/v1/.%2e/x',
  () => '/v1/models/%2e',
  () => '/v1/models%2f..%2f..%2fx',
  () => '/v1/models/..%5c..%5cx',
  () => '/v1\\..\\admin',
  () => '/agents/a1/../../v1/models',
  () => '/agents/a1/v1/%2e%2e/%2e%2e/x',
  () => '/agents/%2e%2e/v1/models',
  () => '/v1/%zz',
  () => `@${evilHost}/v1/models`,
  () => '*',
];

describe('request targets that could steer the proxy are refused', () => {
  for (const target of REFUSED_TARGETS) {
    it(`GET ${target()}`, async () => {
      const t = target();
      const reply = await rawExchange(proxyPort, get(t, t.includes(evilHost) ? evilHost : '127.0.0.1'));
      expect(statusOf(reply), reply).toBe(400);
      expect(stack.mock.requests).toHaveLength(0);
      expect(evilHits).toBe(0);
    });
  }

  it('POST with an absolute-form target to a metered route', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[]}';
    const reply = await rawExchange(
      proxyPort,
      `POST http://${evilHost}/v1/chat/completions HTTP/1.1\r\nHost: ${evilHost}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(statusOf(reply)).toBe(400);
    expect(reply).toContain('"code":"invalid_path"');
    expect(stack.mock.requests).toHaveLength(0);
    expect(evilHits).toBe(0);
  });

  it('CONNECT is not a tunnel', async () => {
    const reply = await rawExchange(proxyPort, `CONNECT ${evilHost} HTTP/1.1\r\nHost: ${evilHost}\r\n\r\n`, 1000);
    expect(statusOf(reply)).not.toBe(200);
    expect(evilHits).toBe(0);
  });

  it('a WebSocket upgrade with an absolute-form target is refused', async () => {
    const reply = await rawExchange(
      proxyPort,
      `GET http://${evilHost}/v1/realtime HTTP/1.1\r\nHost: ${evilHost}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(statusOf(reply)).toBe(400);
    expect(evilHits).toBe(0);
  });
});

describe('a foreign Host header changes nothing', () => {
  it('reaches the configured upstream only, with the upstream as Host', async () => {
    const reply = await rawExchange(proxyPort, get('/v1/models', evilHost));
    expect(statusOf(reply)).toBe(200);
    expect(evilHits).toBe(0);
    expect(stack.mock.requests).toHaveLength(1);
    expect(stack.mock.requests[0]?.path).toBe('/v1/models');
    expect(stack.mock.requests[0]?.headers.host).toBe(new URL(stack.mock.url).host);
  });

  it('on a metered route too, with X-Forwarded-Host and a prefix', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}';
    const reply = await rawExchange(
      proxyPort,
      `POST /agents/a1/v1/chat/completions HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: ${evilHost}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(statusOf(reply)).toBe(200);
    expect(evilHits).toBe(0);
    expect(stack.mock.requests).toHaveLength(1);
    expect(stack.mock.requests[0]?.path).toBe('/v1/chat/completions');
    expect(stack.mock.requests[0]?.headers.host).toBe(new URL(stack.mock.url).host);
  });

  it('an encoded slash inside a segment that is not a dot segment still stays on the upstream', async () => {
    // Percent-encoded characters other than dot segments are forwarded as written, to the configured upstream.
    const reply = await rawExchange(proxyPort, get('/v1/models/gpt%2D4o'));
    expect(statusOf(reply)).toBe(200);
    expect(stack.mock.requests[0]?.path).toBe('/v1/models/gpt%2D4o');
    expect(evilHits).toBe(0);
  });
});
