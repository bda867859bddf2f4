import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from './harness.js';
import { eventually, freePort } from './ports.js';
import { rawExchange, statusOf } from './raw-socket.js';

/** WebSocket upgrades pass through to the OpenAI upstream (the mock's realtime echo), agent identified, hints stripped. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack.close());
beforeEach(() => stack.mock.clearRequests());

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, binary: boolean) => resolve({ data, binary })));
}

function closed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve();
    else ws.once('close', () => resolve());
  });
}

describe('websocket pass-through', () => {
  it('ws://proxy/agents/a1/v1/realtime reaches the echo and messages round-trip', async () => {
    const wsUrl = stack.app.url.replace(/^http/, 'ws');
    const ws = await open(`${wsUrl}/agents/a1/v1/realtime?model=gpt-4o-realtime-preview`, {
      'x-token-ninja-priority': 'high',
      'x-token-ninja-task': 't1',
      authorization: 'Bearer sk-client',
    });
    for (const text of ['{"type":"session.update"}', 'second', 'x'.repeat(70_000)]) {
      const reply = nextMessage(ws);
      ws.send(text);
      const got = await reply;
      expect(got.binary).toBe(false);
      expect(got.data.toString('utf8')).toBe(text);
    }
    const bin = nextMessage(ws);
    ws.send(Buffer.from([0, 1, 2, 255]));
    expect((await bin).data).toEqual(Buffer.from([0, 1, 2, 255]));
    ws.close();
    await closed(ws);

    const upgrade = stack.mock.requests.find((r) => r.path.startsWith('/v1/realtime'));
    expect(upgrade?.path).toBe('/v1/realtime?model=gpt-4o-realtime-preview');
    const headers = upgrade?.headers ?? {};
    expect(Object.keys(headers).filter((h) => h.startsWith('x-token-ninja-'))).toEqual([]);
    expect(headers.authorization).toBe('Bearer sk-client');
    expect(headers.host).toBe(new URL(stack.mock.url).host);
    expect(stack.logs.some((l) => l.msg === 'websocket upgrade' && l.agent === 'a1')).toBe(true);
  });

  it('header agent identification; invalid agent ids are refused before any upstream connection', async () => {
    const wsUrl = stack.app.url.replace(/^http/, 'ws');
    const ws = await open(`${wsUrl}/v1/realtime`, { 'x-token-ninja-agent': 'rt-agent' });
    ws.close();
    await closed(ws);
    expect(stack.logs.some((l) => l.msg === 'websocket upgrade' && l.agent === 'rt-agent')).toBe(true);
    stack.mock.clearRequests();
    await expect(open(`${wsUrl}/agents/bad%20id/v1/realtime`)).rejects.toThrow(/400/);
    await expect(open(`${wsUrl}/v1/realtime`, { 'x-token-ninja-agent': 'bad id' })).rejects.toThrow(/400/);
    await expect(open(`${wsUrl}/not-v1/realtime`)).rejects.toThrow(/404/);
    // Dot segments: written raw, since WHATWG URLs (the ws client) normalise them away.
    const reply = await rawExchange(
      Number(new URL(stack.app.url).port),
      'GET /v1/%2e%2e/v1/realtime HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(statusOf(reply)).toBe(400);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('an upgrade the upstream refuses does not hurt the proxy', async () => {
    const wsUrl = stack.app.url.replace(/^http/, 'ws');
    await expect(open(`${wsUrl}/v1/not-realtime`)).rejects.toThrow();
    const ws = await open(`${wsUrl}/v1/realtime`);
    ws.close();
    await closed(ws);
  });
});

describe('upgrade sockets that misbehave', () => {
  it('clients resetting their upgrade connection at once (accepted or refused) do not crash the proxy', async () => {
    const port = Number(new URL(stack.app.url).port);
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      for (let i = 0; i < 40; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        await new Promise((r) => socket.once('connect', r));
        const target = i % 2 === 0 ? '/v1/realtime' : '/agents/bad%20id/v1/realtime';
        socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
        if (i % 3 === 0) await new Promise((r) => setImmediate(r));
        socket.resetAndDestroy();
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
    const ws = await open(`${stack.app.url.replace(/^http/, 'ws')}/v1/realtime`);
    ws.close();
    await closed(ws);
  });
});

describe('an unreachable realtime upstream', () => {
  it('the client’s upgrade fails, the proxy logs it and keeps serving', async () => {
    const own = await startStack({ config: { openaiUrl: `http://127.0.0.1:${await freePort()}` } });
    try {
      await expect(open(`${own.app.url.replace(/^http/, 'ws')}/agents/a1/v1/realtime`)).rejects.toThrow();
      expect(await eventually(() => own.logs.some((l) => l.msg === 'websocket upstream error'), 2000)).toBe(true);
      const r = await fetch(`${own.app.url}/token-ninja/v1/estimate`, { method: 'POST', body: JSON.stringify({ route: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [] } }) });
      expect(r.status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe('websockets and shutdown', () => {
  it('an open WebSocket holds the drain only until its deadline, then is closed', async () => {
    const own = await startStack();
    try {
      const ws = await open(`${own.app.url.replace(/^http/, 'ws')}/agents/a1/v1/realtime`);
      const t0 = Date.now();
      const stopped = await Promise.race([own.app.stop(300), new Promise<string>((r) => setTimeout(() => r('hung'), 3000))]);
      expect(stopped).toBe(false);
      expect(Date.now() - t0).toBeLessThan(2000);
      await closed(ws);
    } finally {
      await own.mock.close();
    }
  });

  it('a WebSocket that closes during the drain lets shutdown finish early, drained', async () => {
    const own = await startStack();
    try {
      const ws = await open(`${own.app.url.replace(/^http/, 'ws')}/v1/realtime`);
      const t0 = Date.now();
      const stopping = own.app.stop(5000);
      setTimeout(() => ws.close(), 100);
      expect(await stopping).toBe(true);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await own.mock.close();
    }
  });
});
