import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { eventually } from '../e2e/ports.js';
import { tempDir } from '../store/temp-dir.js';
import { admin, buildCli, chat, startProxy, type ProxyProcess } from './cli.js';

/** The table's engine figures (not the live bucket balance, which `remaining` reports). */
interface Row {
  agent: string;
  allocation: number;
  forecast: number;
  score: number | null;
  priorityWeight: number;
  boundBy: string;
}
interface Table {
  tick: number;
  agents: Row[];
}
const engineRows = (t: Table) => t.agents.map(({ agent, allocation, forecast, score, priorityWeight, boundBy }) => ({ agent, allocation, forecast, score, priorityWeight, boundBy }));

const dir = tempDir('fleet-restart');
let mock: MockProvider;
const running: ProxyProcess[] = [];
beforeAll(async () => {
  await buildCli();
  mock = await startMockProvider({ behaviour: { seed: 'fixed' } });
}, 90_000);
afterAll(async () => {
  for (const p of running) await p.kill();
  await mock?.close();
  dir.remove();
});

async function proxyOn(db: string, flushMs = 200): Promise<ProxyProcess> {
  const p = await startProxy(
    {
      TOKEN_NINJA_STORE: `sqlite:${db}`,
      TOKEN_NINJA_OPENAI_URL: mock.url,
      TOKEN_NINJA_ANTHROPIC_URL: mock.url,
      // One long tick: both runs compute the same round, so their tables must agree exactly.
      TOKEN_NINJA_REALLOCATE_SECONDS: '3600',
    },
    ['--store-flush-ms', String(flushMs)],
  );
  running.push(p);
  return p;
}

/** What the store says the forecast reads: usage sums per agent, task outcomes, overrides, first-seen. */
async function storedInputs(db: string) {
  const store = SqliteStore.open(db);
  try {
    return {
      usage: await store.usageTotals(0, Number.MAX_SAFE_INTEGER),
      tasks: (await store.tasksSince(0)).map(({ agent, task, completed, quality }) => ({ agent, task, completed, quality })),
      overrides: (await store.overrides(Date.now())).map(({ agent, tokensPerMinute }) => ({ agent, tokensPerMinute })),
      agents: (await store.agents()).map((a) => a.agent),
    };
  } finally {
    await store.close();
  }
}

/** Charged and asked-for tokens per agent, from the proxy's request log lines. */
function loggedUsage(p: ProxyProcess): Map<string, { demand: number; consumed: number }> {
  const out = new Map<string, { demand: number; consumed: number }>();
  for (const line of p.logs) {
    if (line.msg !== 'request') continue;
    const t = line.tokens as { estimatedInput: number; estimatedOutput: number; charged: number } | undefined;
    if (t === undefined) continue;
    const u = out.get(String(line.agent)) ?? { demand: 0, consumed: 0 };
    u.demand += t.estimatedInput + t.estimatedOutput;
    u.consumed += t.charged;
    out.set(String(line.agent), u);
  }
  return out;
}

describe('restart with the SQLite store (spawned CLI)', () => {
  it('a graceful stop keeps usage, task outcomes, overrides and first-seen (old history pruned); the restarted proxy computes the same table', async () => {
    const db = join(dir.path, 'graceful', 'tn.db');
    // History older than the forecast reads (8 days and an hour) is pruned at startup.
    const seed = SqliteStore.open(db);
    const nineDaysAgo = Date.now() - 9 * 24 * 3_600_000;
    await seed.addUsage([{ agent: 'ancient', minute: Math.floor(nineDaysAgo / 60_000), demand: 5, consumed: 5 }]);
    await seed.recordTasks([{ agent: 'ancient', task: 'old', at: nineDaysAgo, completed: true, quality: 1, source: 'agent' }]);
    await seed.close();
    const first = await proxyOn(db, 60_000);
    for (let i = 0; i < 12; i++) expect((await chat(first, i % 3 === 0 ? 'writer' : 'planner')).status).toBe(200);
    expect((await admin(first, '/v1/tasks', { method: 'POST', body: JSON.stringify({ agent: 'planner', task: 'p1', completed: true, quality: 0.8 }) })).status).toBe(202);
    expect((await admin(first, '/v1/overrides/writer', { method: 'PUT', body: JSON.stringify({ tokensPerMinute: 4321 }) })).status).toBe(200);
    const before = (await admin(first, '/v1/reallocate', { method: 'POST' })).body as Table;
    expect(before.agents.map((a) => a.agent)).toEqual(['planner', 'writer']);
    // A flush interval of a minute: only the graceful stop's final flush can have written the usage.
    expect(await first.stop()).toBe(0);

    const stored = await storedInputs(db);
    const logged = loggedUsage(first);
    expect(stored.usage.map((u) => u.agent)).toEqual(['planner', 'writer']);
    for (const u of stored.usage) {
      expect(u.consumed).toBeCloseTo(logged.get(u.agent)!.consumed, 6);
      expect(u.demand).toBeCloseTo(logged.get(u.agent)!.demand, 6);
    }
    expect(stored.tasks).toEqual([{ agent: 'planner', task: 'p1', completed: true, quality: 0.8 }]);
    expect(stored.overrides).toEqual([{ agent: 'writer', tokensPerMinute: 4321 }]);
    expect(stored.agents).toEqual(['planner', 'writer']);

    const second = await proxyOn(db);
    const after = (await admin(second, '/v1/allocations')).body as Table;
    const current = Math.floor(Date.now() / 3_600_000);
    // Same round and same stored inputs → the same figures (a run straddling the hour only checks the forecast survived).
    if (after.tick === before.tick && before.tick === current) expect(engineRows(after)).toEqual(engineRows(before));
    else for (const row of after.agents) expect(row.forecast).toBeGreaterThan(0);
    expect(after.agents.find((a) => a.agent === 'writer')!.boundBy).toBe('override');
    expect(await second.stop()).toBe(0);
  });

  it('kill -9 loses at most the last flush interval of usage', async () => {
    const flushMs = 1000;
    const db = join(dir.path, 'crash', 'tn.db');
    const proxy = await proxyOn(db, flushMs);
    const done: Array<{ at: number; charged: number }> = [];
    let stop = false;
    const worker = async (agent: string) => {
      for (let i = 0; i < 2000 && !stop; i++) {
        try {
          const { status, body } = await chat(proxy, agent);
          const usage = body.usage as { prompt_tokens: number; completion_tokens: number } | undefined;
          if (status === 200 && usage) done.push({ at: Date.now(), charged: usage.prompt_tokens + usage.completion_tokens });
        } catch {
          return; // The proxy is gone.
        }
      }
    };
    const workers = [worker('a'), worker('b')];
    // Kill once enough requests have settled, some of them more than two flush intervals (+ margin) ago: those
    // must be on disk. Polled, so a slow machine waits longer instead of testing nothing.
    const margin = 500;
    const settledBefore = (t: number) => done.filter((d) => d.at < t).length;
    expect(await eventually(() => done.length > 40 && settledBefore(Date.now() - 2 * flushMs - margin) > 10, 30_000, 50)).toBe(true);
    const killedAt = Date.now();
    await proxy.kill();
    stop = true;
    await Promise.all(workers);

    const stored = await storedInputs(db);
    const storedConsumed = stored.usage.reduce((s, u) => s + u.consumed, 0);
    const total = done.reduce((s, d) => s + d.charged, 0);
    // Everything settled before the last flush interval is on disk (plus a margin: under load the flush timer
    // fires late and the flush itself takes a moment).
    const safe = done.filter((d) => d.at < killedAt - flushMs - margin).reduce((s, d) => s + d.charged, 0);
    expect(done.length).toBeGreaterThan(20);
    expect(safe).toBeGreaterThan(0);
    expect(storedConsumed).toBeGreaterThanOrEqual(safe);
    expect(storedConsumed).toBeLessThanOrEqual(total + 1e-6);
    console.info(`kill -9: ${done.length} requests, ${total} tokens charged, ${storedConsumed} on disk, lost ${total - storedConsumed}; charged before the last ${flushMs} + ${margin} ms: ${safe}`);
  });
});
