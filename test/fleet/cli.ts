import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(repo, 'dist', 'cli', 'main.js');

/**
 * Compile src/ to dist/ (the CLI the fleet tests spawn) unless dist is newer than every source file. Files of
 * one run share the build through a lock directory; type errors elsewhere do not stop tsc emitting.
 */
export async function buildCli(): Promise<void> {
  const stamp = join(repo, 'dist', '.fleet-test-build');
  const lock = join(tmpdir(), `token-ninja-build-${Buffer.from(repo).toString('hex').slice(-24)}.lock`);
  for (let attempt = 0; attempt < 600; attempt++) {
    if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(join(repo, 'src'))) return;
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is building: wait for it (bounded), then check again.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held !== undefined && Date.now() - held.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      const started = Date.now();
      const tsc = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: repo, encoding: 'utf8' });
      if (!existsSync(CLI) || statSync(CLI).mtimeMs < started - 1000) throw new Error(`build did not produce ${CLI}: ${tsc.stdout}${tsc.stderr}`);
      writeFileSync(stamp, String(started));
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  throw new Error('timed out waiting for another test file to build dist/');
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** A proxy process started from the built CLI, with its NDJSON log lines. */
export interface ProxyProcess {
  readonly url: string;
  readonly adminUrl: string;
  readonly proc: ChildProcess;
  readonly logs: Array<Record<string, unknown>>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export const ADMIN_TOKEN = 'fleet-test-admin-token';

/** The env of a proxy in a test fleet: one Redis, the mock provider as both upstreams, a tick of `tickMs`. */
export function fleetEnv(redisUrl: string, upstreamUrl: string, tickMs: number, more: Record<string, string> = {}): Record<string, string> {
  return {
    TOKEN_NINJA_STORE: redisUrl,
    TOKEN_NINJA_OPENAI_URL: upstreamUrl,
    TOKEN_NINJA_ANTHROPIC_URL: upstreamUrl,
    TOKEN_NINJA_REALLOCATE_SECONDS: String(tickMs / 1000),
    ...more,
  };
}

/** `count` proxies started at once with the same env and flags. */
export function startFleet(count: number, env: Record<string, string>, flags: readonly string[] = []): Promise<ProxyProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startProxy(env, flags)));
}

/**
 * Start `node dist/cli/main.js` (or another build of the CLI, `cli`) with env vars (ports 0) and flags; resolves
 * once it logs that it listens.
 */
export async function startProxy(env: Record<string, string>, flags: readonly string[] = [], cli = CLI): Promise<ProxyProcess> {
  const proc = spawn(process.execPath, [cli, ...flags], {
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? '',
      TOKEN_NINJA_PORT: '0',
      TOKEN_NINJA_ADMIN_PORT: '0',
      TOKEN_NINJA_ADMIN_TOKEN: ADMIN_TOKEN,
      TOKEN_NINJA_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const listening = new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry.msg === 'token-ninja listening') resolve({ url: String(entry.url), adminUrl: String(entry.adminUrl) });
      }
    });
    proc.once('exit', (code) => reject(new Error(`proxy exited (${code}) before listening: ${stderr}`)));
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  const { url, adminUrl } = await listening.finally(() => clearTimeout(timer));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    url,
    adminUrl,
    proc,
    logs,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** GET an admin route with the admin token; resolves to status and parsed JSON (or text). */
export async function admin(proxy: { adminUrl: string }, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${proxy.adminUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (metrics): keep the text.
  }
  return { status: res.status, body };
}

/** One small chat completion through a proxy as `agent`; resolves to the status, the parsed body and `x-token-ninja-source`. */
export async function chat(
  proxy: { url: string },
  agent: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; source: string | null }> {
  const res = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-token-ninja-agent': agent, ...extraHeaders },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: `hello from ${agent}` }] }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, source: res.headers.get('x-token-ninja-source') };
}

/** Sum of a Prometheus counter's samples whose labels contain all of `match`. */
export function metricSum(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(match).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
