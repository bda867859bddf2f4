import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { buildCli } from './cli-build.js';
import { eventually, freePort } from './ports.js';

/** The real CLI: health endpoints, then SIGTERM with a stream in flight — the stream finishes, new connections are refused, exit 0. */

let cli: string;
let mock: MockProvider;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [cli, mock] = await Promise.all([buildCli(), startMockProvider({ behaviour: { seed: 'shutdown' } })]);
}, 120_000);
afterAll(async () => {
  // A failed test must not leave its proxy running.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await mock?.close();
});

interface Running {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  port: number;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

async function startCli(extra: string[] = []): Promise<Running> {
  const port = await freePort();
  let adminPort = await freePort();
  while (adminPort === port) adminPort = await freePort();
  const args = [cli, '--port', String(port), '--admin-port', String(adminPort), '--store', 'memory', '--openai-url', mock.url, '--anthropic-url', mock.url, ...extra];
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const up = await eventually(() => out.includes('token-ninja listening'), 10_000);
  if (!up) throw new Error(`the proxy did not start:\n${out}`);
  return { child, url: `http://127.0.0.1:${port}`, adminUrl, port, exit, output: () => out };
}

async function status(url: string): Promise<number> {
  const res = await request(url, { reset: true });
  await res.body.text();
  return res.statusCode;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

async function waitRefused(port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await refused(port)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

// Concurrent: each test runs its own proxy process on its own ports (they share only the mock).
describe.concurrent('graceful shutdown of the real CLI', () => {
  it('healthz and readyz answer 200; SIGTERM lets the stream finish, refuses new connections, exits 0', async () => {
    const p = await startCli(['--drain-timeout-ms', '10000']);
    expect(await status(`${p.adminUrl}/healthz`)).toBe(200);
    expect(await status(`${p.adminUrl}/readyz`)).toBe(200);

    const res = await request(`${p.url}/agents/a1/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-behaviour': 'chunkMs=80,chunks=12,outputTokens=12' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.statusCode).toBe(200);
    const iterator = res.body[Symbol.asyncIterator]();
    let text = ((await iterator.next()).value as Buffer).toString('utf8');
    const sentAt = Date.now();
    p.child.kill('SIGTERM');

    // Read the rest concurrently with the checks below.
    const rest = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        text += (next.value as Buffer).toString('utf8');
      }
    })();

    expect(await waitRefused(p.port, 2000)).toBe(true);
    const refusedAt = Date.now();
    expect(await status(`${p.adminUrl}/readyz`).catch(() => 0)).toBe(503);

    await rest;
    const endedAt = Date.now();
    expect(refusedAt).toBeLessThan(endedAt);
    expect(endedAt - sentAt).toBeGreaterThan(300);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text.match(/"content":"[^"]/g)?.length).toBe(12);

    const exit = await p.exit;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(p.output()).toContain('"drained":true');
    expect(mock.requests.filter((r) => r.path === '/v1/chat/completions').some((r) => r.aborted)).toBe(false);
  });

  it('SIGINT with nothing in flight exits 0 at once', async () => {
    const p = await startCli();
    expect(await status(`${p.adminUrl}/healthz`)).toBe(200);
    const t0 = Date.now();
    p.child.kill('SIGINT');
    expect(await p.exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a stream longer than the drain timeout is cut at the deadline, and the exit is still 0', async () => {
    const p = await startCli(['--drain-timeout-ms', '300']);
    const res = await request(`${p.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-mock-behaviour': 'chunkMs=200,chunks=20,outputTokens=20' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    let text = '';
    let cut = false;
    try {
      for await (const chunk of res.body) text += (chunk as Buffer).toString('utf8');
    } catch {
      cut = true;
    }
    expect(cut || !text.includes('message_stop')).toBe(true);
    expect(await p.exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(p.output()).toContain('"drained":false');
    // The cut stream's upstream request was aborted, not left running.
    expect(await eventually(() => mock.requests.some((r) => r.path === '/v1/messages' && r.aborted), 2000)).toBe(true);
  });
});
