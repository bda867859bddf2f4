// One reallocation tick of the allocation engine at 1k, 10k and 100k agents (target: 10k under 20 ms,
// growth no worse than n log n).
// Run: npm run build && node bench/tick.bench.mjs   (it imports the compiled engine from dist/)
// Prints a Markdown table for bench/RESULTS.md ("Allocation tick"); the last line is JSON for bench/run.mjs.
//
// Each timed call gets an input built just before it, the way the proxy builds one each tick
// (src/app/reallocation-inputs.ts): one input per agent, in id order, each made with its outcome samples.
// The "shuffled ids" column passes the same agents out of id order, so the engine's own sort runs (a
// library caller may do that; the proxy does not). "Outcomes in time order" makes every outcome sample
// first, oldest first across the fleet, as the store returns task records (the proxy did so before it
// made each agent's samples with its input): the same figures, laid out differently in memory.
import os from 'node:os';
import { allocate, allocationPolicy } from '../dist/allocation/index.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const HOUR = 3_600_000;
const CLASSES = ['low', 'normal', 'high', 'critical'];
const OUTCOMES = Number(process.env.OUTCOMES ?? 20);

// Deterministic inputs (mulberry32) so runs compare.
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Agent ids in id order, and which of them each input position holds: in id order, or a seeded shuffle. */
function layout(n, shuffled) {
  // 7919 is prime, so (i × 7919) mod n is a permutation: the ids are unique.
  const ids = Array.from({ length: n }, (_, i) => `team-${i % 97}-agent-${String((i * 7919) % n).padStart(6, '0')}`).sort();
  const idAt = Array.from({ length: n }, (_, i) => i);
  if (shuffled) {
    const r = prng(7);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [idAt[i], idAt[j]] = [idAt[j], idAt[i]];
    }
  }
  return { ids, idAt };
}

/** Outcome `k` of an agent, drawn from the agent's own outcome generator: slot k of the last hour. */
function outcomeSample(r, k) {
  return { at: NOW - HOUR + Math.floor(((k + r()) * HOUR) / OUTCOMES), completed: r() < 0.9, quality: r() };
}

const outcomeDraws = (n, i) => prng(n * 131 + i + 0x9e3779b9);

/** Agent `i` (in id order) of an n-agent fleet: the same figures whichever order the inputs are made in. */
function agentInput(n, ids, i, outcomes) {
  const r = prng(n * 131 + i);
  const rate = 200 + r() * 5000;
  return {
    agent: ids[i],
    firstSeen: NOW - Math.floor(r() * 30 * 86_400_000),
    criticality: CLASSES[i % 4],
    hints: { priorityClass: CLASSES[(i >> 2) % 4], nearestDeadline: r() < 0.3 ? NOW + Math.floor(r() * 7_200_000) : undefined, blocking: Math.floor(r() * 4) },
    usage: {
      recent: { demandTokens: rate * 300 * (0.5 + r()), coveredSeconds: 300 },
      lastHour: { demandTokens: rate * 3600, coveredSeconds: 3600 },
      sameHourYesterday: r() < 0.8 ? { demandTokens: rate * 3600 * (0.5 + r()), coveredSeconds: 3600 } : undefined,
      sameHourLastWeek: r() < 0.6 ? { demandTokens: rate * 3600 * (0.5 + r()), coveredSeconds: 3600 } : undefined,
    },
    outcomes,
    tokensConsumed: rate * 3000,
    queuedDemandTokens: r() < 0.2 ? rate * 60 : 0,
    override: r() < 0.001 ? { tokensPerMinute: 5000 } : undefined,
  };
}

/**
 * A fresh engine input, its agents made in input order (as any caller makes them). Each agent's outcome
 * samples are made with it (as the proxy does), or with `timeOrder` all of them first, oldest first
 * across the fleet (as the store returns task records).
 */
function buildInput(n, { ids, idAt }, timeOrder = false) {
  const outcomes = Array.from({ length: n }, () => []);
  if (timeOrder) {
    // Slot by slot; within a slot the agents' tasks end in no particular order.
    const draws = Array.from({ length: n }, (_, i) => outcomeDraws(n, i));
    const visit = Array.from({ length: n }, (_, i) => i);
    const r = prng(n + 1);
    for (let k = 0; k < OUTCOMES; k++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [visit[i], visit[j]] = [visit[j], visit[i]];
      }
      for (const i of visit) outcomes[i].push(outcomeSample(draws[i], k));
    }
  }
  const agents = new Array(n);
  for (let p = 0; p < n; p++) {
    const i = idAt[p];
    if (!timeOrder) {
      const r = outcomeDraws(n, i);
      for (let k = 0; k < OUTCOMES; k++) outcomes[i].push(outcomeSample(r, k));
    }
    agents[p] = agentInput(n, ids, i, outcomes[i]);
  }
  return {
    policy: allocationPolicy({ tokensPerMinute: n * 1000 }),
    agents,
    fleet: { recentAggregateDemand: Array.from({ length: 20 }, (_, i) => n * 500 * (1 + 0.1 * Math.sin(i))) },
  };
}

// The same-run baseline: one plain pass reading every input field the engine reads (ids, usage windows,
// every outcome), over an input built the same way. Its cost grows with the input's memory footprint as
// the engine's reads do, so `allocate ÷ baseline` across fleet sizes shows the engine's own growth apart
// from cache effects.
function readPass(input) {
  let x = 0;
  for (const a of input.agents) {
    x += a.agent.length + a.firstSeen + (a.queuedDemandTokens ?? 0) + a.tokensConsumed + (a.hints?.blocking ?? 0);
    const u = a.usage;
    x += (u.recent?.demandTokens ?? 0) + (u.lastHour?.demandTokens ?? 0) + (u.sameHourYesterday?.demandTokens ?? 0) + (u.sameHourLastWeek?.demandTokens ?? 0);
    for (const o of a.outcomes) x += o.completed ? o.at * o.quality : o.at;
  }
  return x;
}

/** Wall time of `fn` in ms, and its process CPU time. */
function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1000, value };
}

const sortedCopy = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sortedCopy(xs)[Math.floor(xs.length / 2)];

const rows = [];
for (const n of [1_000, 10_000, 100_000]) {
  const inOrder = layout(n, false);
  const shuffled = layout(n, true);
  const runs = n >= 100_000 ? 7 : 25;
  const time = { ordered: [], cpu: [], shuffled: [], timeOrder: [], baseline: [] };
  for (let i = -3; i < runs; i++) {
    // Interleaved, each on a fresh input: the three series see the same machine state. The first three are warm-up.
    const input = buildInput(n, inOrder);
    const t = timed(() => allocate(input, NOW));
    const s = buildInput(n, shuffled);
    const u = timed(() => allocate(s, NOW));
    const o = buildInput(n, inOrder, true);
    const v = timed(() => allocate(o, NOW));
    const b = buildInput(n, inOrder);
    const base = timed(() => readPass(b));
    if (v.value.agents[0].allocation !== t.value.agents[0].allocation || t.value.agents.length !== n || u.value.agents[0].agent !== t.value.agents[0].agent || !Number.isFinite(base.value)) throw new Error('bench inputs are not what they should be');
    if (i < 0) continue;
    time.ordered.push(t.ms);
    time.cpu.push(t.cpu);
    time.shuffled.push(u.ms);
    time.timeOrder.push(v.ms);
    time.baseline.push(base.ms);
  }
  const ordered = sortedCopy(time.ordered);
  const m = median(time.ordered);
  rows.push({
    n,
    median: m,
    p90: ordered[Math.floor(ordered.length * 0.9)],
    min: ordered[0],
    cpu: median(time.cpu),
    perAgentUs: (m * 1000) / n,
    shuffledMedian: median(time.shuffled),
    timeOrderMedian: median(time.timeOrder),
    baseline: median(time.baseline),
    ratio: m / median(time.baseline),
  });
}

const flags = process.execArgv.join(' ') || 'default flags';
console.log(`Node ${process.version} (${flags}), ${OUTCOMES} task outcomes per agent, 25 runs (7 at 100k) after 3 warm-ups, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs\n`);
console.log('| agents | median ms | p90 ms | min ms | median CPU ms | µs per agent (median) | shuffled ids: median ms | outcomes in time order: median ms | baseline read pass: median ms | allocate ÷ baseline |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.n.toLocaleString('en-US')} | ${r.median.toFixed(2)} | ${r.p90.toFixed(2)} | ${r.min.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.perAgentUs.toFixed(2)} | ${r.shuffledMedian.toFixed(2)} | ${r.timeOrderMedian.toFixed(2)} | ${r.baseline.toFixed(2)} | ${r.ratio.toFixed(1)}× |`,
  );
}
const ten = rows.find((r) => r.n === 10_000);
console.log(`\n10k agents: median ${ten.median.toFixed(2)} ms in id order, ${ten.shuffledMedian.toFixed(2)} ms shuffled (target < 20 ms)`);
console.log(JSON.stringify({ flags, outcomesPerAgent: OUTCOMES, loadAverage: os.loadavg()[0], rows }));
