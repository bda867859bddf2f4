import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startMockProvider, type MockProvider } from '../../src/mock/server.js';

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider();
});
afterAll(async () => {
  await mock.close();
});

describe('GET /v1/realtime', () => {
  it('upgrades to a WebSocket that echoes text and binary messages, and records the upgrade', async () => {
    const ws = new WebSocket(`${mock.url.replace('http', 'ws')}/v1/realtime?model=gpt-4o-realtime`, { headers: { 'x-custom': 'rt' } });
    const received: { data: string; binary: boolean }[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => {
        ws.send('{"type":"session.update"}');
        ws.send(Buffer.from([1, 2, 3]));
      });
      ws.on('message', (data: Buffer, binary: boolean) => {
        received.push({ data: binary ? data.toString('hex') : data.toString(), binary });
        if (received.length === 2) resolve();
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(received).toEqual([
      { data: '{"type":"session.update"}', binary: false },
      { data: '010203', binary: true },
    ]);
    const upgrade = mock.requests.find((r) => r.path.startsWith('/v1/realtime'));
    expect(upgrade).toMatchObject({ method: 'GET', path: '/v1/realtime?model=gpt-4o-realtime' });
    expect(upgrade?.headers['x-custom']).toBe('rt');
  });

  it('refuses upgrades on other paths', async () => {
    const ws = new WebSocket(`${mock.url.replace('http', 'ws')}/v1/other`);
    const error = await new Promise<Error>((resolve) => ws.on('error', resolve));
    expect(error.message).toMatch(/404/);
  });

  it('close() ends open sockets', async () => {
    const other = await startMockProvider();
    const ws = new WebSocket(`${other.url.replace('http', 'ws')}/v1/realtime`);
    await new Promise((resolve) => ws.on('open', resolve));
    const closed = new Promise((resolve) => ws.on('close', resolve));
    await other.close();
    await closed;
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});
