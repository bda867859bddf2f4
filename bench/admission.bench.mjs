// Admission benchmark: run `npm run build` first, then `node bench/admission.bench.mjs`.
// Measures acquire+settle round trips through Admission (ledger + decide + queue + burst pool):
// the fast path for one agent and for 100k agents, the burst path, and the queue path (a waiter released by a
// refund). Each figure is the median of 5 runs of ~0.5 s. Prints one JSON object at the end.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

const dist = new URL('../dist/', import.meta.url);
const { Admission } = await import(new URL('budget/admission.js', dist).href);

// A clock that moves 1 ms per 64 reads: refills happen, but the figure does not depend on wall time.
let reads = 0;
const clock = { now: () => 1_000_000 + (reads++ >> 6) };
const scheduler = { setTimeout: () => 0, clearTimeout: () => {} };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(name, setup, step, runMs = 500, runs = 5) {
  const rates = [];
  for (let r = 0; r < runs + 1; r++) {
    const state = setup();
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < runMs) {
      for (let i = 0; i < 1_000; i++) await step(state, ops++);
      now = performance.now();
    }
    if (r > 0) rates.push(ops / ((now - start) / 1_000)); // run 0 warms up
  }
  const opsPerSec = Math.round(median(rates));
  console.log(`${name.padEnd(34)} ${opsPerSec.toLocaleString('en-US').padStart(12)} ops/s`);
  return opsPerSec;
}

/** An admission whose first table names `agents` with `allocation` tokens per tick (an unnamed agent would be a newcomer). */
const make = ({ allocation = 1e12, agents = ['planner'], ...extra } = {}) => {
  const a = new Admission({ tickMs: 30_000, newcomerAllowance: 0, clock, scheduler, maxQueueDepth: 1e9, maxQueueDepthPerAgent: 1e9, ...extra });
  a.applyAllocations({ allocations: new Map(agents.map((agent) => [agent, allocation])) });
  return a;
};

const results = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, date: new Date().toISOString(), opsPerSec: {} };

// 1. Fast path, one agent: balance always positive.
results.opsPerSec.forwardOneAgent = await measure('acquire+settle, 1 agent', () => make(), async (a) => {
  const r = await a.acquire({ agent: 'planner', cost: 1_200, priority: 'normal' });
  a.settle(r.reservation, 900);
});

// 2. Fast path over 100k agents (bucket lookups spread over a large map).
const AGENTS = Array.from({ length: 100_000 }, (_, i) => `agent-${i}`);
results.opsPerSec.forward100kAgents = await measure('acquire+settle, 100k agents', () => make({ agents: AGENTS }), async (a, i) => {
  const r = await a.acquire({ agent: AGENTS[i % AGENTS.length], cost: 1_200 });
  a.settle(r.reservation, 900);
});

// 3. Burst path: the agent's bucket is empty, a high-priority request draws on the pool and gives back the unused part.
results.opsPerSec.burst = await measure(
  'acquire+settle from burst',
  () => {
    const a = make({ allocation: 0, burstCapacity: 1e15, maxWaitMs: 0 });
    return a;
  },
  async (a) => {
    const r = await a.acquire({ agent: 'planner', cost: 1_200, priority: 'high' });
    a.settle(r.reservation, 900);
  },
);

// 4. Queue path: the bucket is in debt; a request queues and is released when a previous one's refund lands.
results.opsPerSec.queuedReleasedByRefund = await measure(
  'acquire (queued) + refund release',
  () => {
    const a = make({ allocation: 1, maxWaitMs: 1e9 });
    return { a, held: undefined };
  },
  async (s) => {
    if (s.held === undefined) s.held = (await s.a.acquire({ agent: 'planner', cost: 1_000 })).reservation;
    const next = s.a.acquire({ agent: 'planner', cost: 1_000 }); // over budget: waits
    s.a.settle(s.held, 0); // the refund puts the balance above 0: the waiter goes
    s.held = (await next).reservation;
  },
);

console.log(JSON.stringify(results));
