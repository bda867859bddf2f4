// Memory per tracked agent: drives the proxy's per-agent state (budget ledger and admission, accountant
// maps, hint board, recent-output sizes, memory store's usage buckets and first-seen, metrics with their
// bounded agent label) for N agent ids through the real Accountant of a started app, then one reallocation
// (the allocation table and its history point), measuring heapUsed after a full GC.
// Run: `npm run build && node --expose-gc bench/memory.bench.mjs [N]`; prints one JSON object at the end.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { clearInterval, setImmediate, setInterval } from 'node:timers';

const N = Number(process.argv[2] ?? 100_000);
if (typeof globalThis.gc !== 'function') {
  process.stderr.write('run with --expose-gc\n');
  process.exit(2);
}
const dist = new URL('../dist/', import.meta.url);
const { startProxyApp } = await import(new URL('app/proxy-app.js', dist).href);
const { loadConfig } = await import(new URL('config/load.js', dist).href);

const config = loadConfig({
  argv: ['--config', 'bench.yaml'],
  env: {},
  readFile: () =>
    JSON.stringify({ port: 0, adminPort: 0, openaiUrl: 'http://127.0.0.1:9', anthropicUrl: 'http://127.0.0.1:9', store: 'memory', adminToken: 'bench', tokensPerMinute: 1e12, logLevel: 'silent' }),
});
const app = await startProxyApp(config);

async function heap() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

const signal = new globalThis.AbortController().signal;
const estimate = { model: 'gpt-4o-mini', encoding: 'o200k_base', inputTokens: 500, outputTokens: 100, outputSource: 'request' };
const hints = { priority: 'normal', blocking: 0 };
const body = Buffer.from('{}');
// Agent ids the length of a typical name (e.g. `team-7-planner-000123`).
const id = (i) => `team-${i % 10}-planner-${String(i).padStart(6, '0')}`;
const ids = Array.from({ length: N }, (_, i) => id(i));

// Warm the code paths (and the per-model, per-label structures shared by all agents) before the baseline.
for (let i = 0; i < 100; i++) {
  const a = await app.accountant.admit({ agent: `warm-${i}`, provider: 'openai', route: '/v1/chat/completions', estimate, hints, signal, body });
  a.settle(record(`warm-${i}`));
}
function record(agent) {
  return {
    agent,
    provider: 'openai',
    route: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    estimatedInput: 500,
    estimatedOutput: 100,
    actualInput: 510,
    cachedInput: 0,
    cacheWriteInput: 0,
    cacheWrite1hInput: 0,
    actualOutput: 90,
    reasoningOutput: 0,
    source: 'provider',
    charged: 0,
    costUsd: 0,
    status: 200,
    durationMs: 5,
    at: Date.now(),
  };
}

const before = await heap();
const t0 = performance.now();
for (const agent of ids) {
  const a = await app.accountant.admit({ agent, provider: 'openai', route: '/v1/chat/completions', estimate, hints, signal, body });
  a.settle(record(agent));
}
const driveMs = performance.now() - t0;
await app.store.flush?.();
const afterHot = await heap();
const t1 = performance.now();
await app.reallocator.reallocate();
const reallocateMs = performance.now() - t1;
const afterTable = await heap();
const tableAgents = app.reallocator.current?.agents.length ?? 0;
// The status page's history keeps one point per tick (up to 240) with the largest allocations in it (bounded
// by maxAgentLabels, at most 1000): measure what each further tick adds per agent and project to a full history.
const EXTRA_TICKS = 4;
const tickMs = app.reallocator.tickMs;
const firstTick = Math.floor(Date.now() / tickMs) * tickMs;
// The first further tick settles one-time allocations (the previous table, maps sized to the fleet), so growth
// per tick is measured between the second and the last.
let afterSecond = 0;
// Also the longest the event loop went without turning during each of these ticks (a 1 ms timer's largest
// gap): how long a request arriving mid-tick could wait on the reallocation.
const tickMsTaken = [];
const stallsMs = [];
for (let i = 1; i <= EXTRA_TICKS; i++) {
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    gap = Math.max(gap, t - last);
    last = t;
  }, 1);
  await new Promise((r) => setTimeout(r, 10));
  gap = 0;
  last = performance.now();
  const started = last;
  await app.reallocator.reallocate(firstTick + i * tickMs);
  tickMsTaken.push(performance.now() - started);
  gap = Math.max(gap, performance.now() - last);
  clearInterval(timer);
  stallsMs.push(gap);
  if (i === 2) afterSecond = await heap();
}
const afterTicks = await heap();
const historyPoints = app.history.view().points.length;
await app.stop(1000);

const result = {
  agents: N,
  hotPathBytesPerAgent: Math.round((afterHot - before) / N),
  withTableBytesPerAgent: Math.round((afterTable - before) / N),
  tableAgents,
  afterTicksBytesPerAgent: Math.round((afterTicks - before) / N),
  historyBytesPerAgentPerTick: Math.round(Math.max(0, afterTicks - afterSecond) / N / (EXTRA_TICKS - 2)),
  projectedFullHistoryBytesPerAgent: Math.round((afterTicks - before) / N + (Math.max(0, afterTicks - afterSecond) / N / (EXTRA_TICKS - 2)) * (240 - EXTRA_TICKS)),
  historyPoints,
  driveMs: Math.round(driveMs),
  reallocateMs: Math.round(reallocateMs),
  // Ticks after the first (code warm): wall time of each, and its longest event-loop stall.
  laterTickMs: tickMsTaken.map(Math.round),
  laterTickStallMs: stallsMs.map(Math.round),
  node: process.version,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
