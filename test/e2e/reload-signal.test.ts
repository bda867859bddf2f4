import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AllocationsView } from '../../src/admin/backend.js';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { tempDir } from '../store/temp-dir.js';
import { buildCli } from './cli-build.js';
import { eventually, freePort, until } from './ports.js';

/**
 * The real CLI under steady traffic from the official SDK: SIGHUP with a new pool and a new priority ceiling
 * puts both in force without a request failing; an invalid file changes nothing and is reported (DESIGN §10).
 */

const TOKEN = 'sighup-admin-token';
const TICK_SECONDS = 1;
/** Bounds of the traffic loop, whatever happens. */
const MAX_REQUESTS = 5_000;
const MAX_TRAFFIC_MS = 60_000;

let cli: string;
let mock: MockProvider;
let dir: ReturnType<typeof tempDir>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [cli, mock] = await Promise.all([buildCli(), startMockProvider({ behaviour: { seed: 'sighup' } })]);
  dir = tempDir('sighup');
}, 120_000);
afterAll(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await mock?.close();
  dir?.remove();
});

describe('SIGHUP reloads the config file of the running CLI', () => {
  it('applies a new pool and a new priority ceiling under steady traffic, then refuses an invalid file', async () => {
    const port = await freePort();
    let adminPort = await freePort();
    while (adminPort === port) adminPort = await freePort();
    const file = join(dir.path, 'token-ninja.yaml');
    const write = (extra: string): void =>
      writeFileSync(
        file,
        [
          `port: ${port}`,
          `adminPort: ${adminPort}`,
          'store: memory',
          `openaiUrl: ${mock.url}`,
          `anthropicUrl: ${mock.url}`,
          `adminToken: ${TOKEN}`,
          `reallocateSeconds: ${TICK_SECONDS}`,
          extra,
        ].join('\n'),
      );
    write(['tokensPerMinute: 600000', 'priority:', '  ceilings:', "    '*': high"].join('\n'));
    const child = spawn(process.execPath, [cli, '--config', file], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    if (!(await eventually(() => out.includes('token-ninja listening'), 10_000))) throw new Error(`the proxy did not start:\n${out}`);

    const adminUrl = `http://127.0.0.1:${adminPort}`;
    const allocations = async (): Promise<AllocationsView> =>
      (await fetch(`${adminUrl}/v1/allocations`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<AllocationsView>;
    const worker = (view: AllocationsView) => view.agents.find((a) => a.agent === 'worker');
    const reloads = async (outcome: 'ok' | 'error'): Promise<number> => {
      const line = (await (await fetch(`${adminUrl}/metrics`)).text()).split('\n').find((l) => l.startsWith(`token_ninja_config_reloads_total{outcome="${outcome}"}`));
      return Number(line?.split(' ')[1]);
    };

    // Steady traffic: one agent claiming `critical` on every request, no SDK retries, so any failure shows.
    const openai = new OpenAI({
      baseURL: `http://127.0.0.1:${port}/agents/worker/v1`,
      apiKey: 'sk-test',
      maxRetries: 0,
      defaultHeaders: { 'x-token-ninja-priority': 'critical' },
    });
    let stop = false;
    let sent = 0;
    const failures: string[] = [];
    const trafficStarted = Date.now();
    const traffic = (async () => {
      while (!stop && sent < MAX_REQUESTS && Date.now() - trafficStarted < MAX_TRAFFIC_MS) {
        sent++;
        try {
          await openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 8, messages: [{ role: 'user', content: `request ${sent}` }] });
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();

    try {
      // Before: the pool of 600 000 tokens/min (10 000 per 1 s tick); `critical` capped at `high` (weight 2).
      await until('the table names the worker, weighed at high', async () => worker(await allocations())?.priorityWeight === 2);
      const before = await allocations();
      expect(before.pool).toBe(10_000);

      write(['tokensPerMinute: 1200000', 'priority:', '  ceilings:', "    '*': critical"].join('\n'));
      child.kill('SIGHUP');
      await until('a table with the new pool', async () => (await allocations()).pool === 20_000);
      const reloadedAt = (await allocations()).tick;
      // The next tick uses both: the new pool and `critical` (weight 4) now that the ceiling allows it.
      await until('a later tick with the new pool and the worker weighed at critical', async () => {
        const view = await allocations();
        return view.tick > reloadedAt && view.pool === 20_000 && worker(view)?.priorityWeight === 4;
      });
      const reloaded = await allocations();
      expect(reloaded.configHash).not.toBe(before.configHash);
      expect(await reloads('ok')).toBe(1);
      await until('the reload is logged', () => out.includes('"applied":["priority","tokensPerMinute"]'));
      expect(out).toContain('"applied":["priority","tokensPerMinute"]');

      // An invalid file changes nothing, and says which field.
      write(['tokensPerMinute: 1200000', 'queue:', '  maxWaitMs: -5'].join('\n'));
      child.kill('SIGHUP');
      await until('the failed reload is counted', async () => (await reloads('error')) === 1);
      // The log line leaves the child's stdout on its own schedule: wait for it rather than read it at once.
      await until('the failed reload is logged with its field', () => out.includes('"field":"queue.maxWaitMs"'));
      expect(out).toContain('"field":"queue.maxWaitMs"');
      const tickAfterError = (await allocations()).tick;
      await until('a later tick', async () => (await allocations()).tick > tickAfterError);
      const after = await allocations();
      expect(after.configHash).toBe(reloaded.configHash);
      expect(after.pool).toBe(20_000);
      expect(worker(after)?.priorityWeight).toBe(4);
    } finally {
      stop = true;
      await traffic;
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(10);
    expect(child.exitCode).toBeNull();

    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 90_000);
});
