// One reallocation tick of the allocation engine at 1k, 10k and 100k agents (target: 10k under 20 ms).
// Run: npm run build && node bench/tick.bench.mjs   (it imports the compiled engine from dist/)
// Prints a Markdown table for bench/RESULTS.md ("Allocation tick").
import os from 'node:os';
import { allocate, allocationPolicy } from '../dist/allocation/index.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const CLASSES = ['low', 'normal', 'high', 'critical'];

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

function fleet(n, outcomesPerAgent) {
  const r = prng(n);
  const agents = [];
  for (let i = 0; i < n; i++) {
    const rate = 200 + r() * 5000;
    const outcomes = [];
    for (let j = 0; j < outcomesPerAgent; j++) outcomes.push({ at: NOW - Math.floor(r() * 3_600_000), completed: r() < 0.9, quality: r() });
    agents.push({
      agent: `agent-${(i * 7919) % n}-${i}`,
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
    });
  }
  return agents;
}

const OUTCOMES = Number(process.env.OUTCOMES ?? 20);
const rows = [];
for (const n of [1_000, 10_000, 100_000]) {
  const agents = fleet(n, OUTCOMES);
  const input = {
    policy: allocationPolicy({ tokensPerMinute: n * 1000 }),
    agents,
    fleet: { recentAggregateDemand: Array.from({ length: 20 }, (_, i) => n * 500 * (1 + 0.1 * Math.sin(i))) },
  };
  const runs = n >= 100_000 ? 7 : 25;
  for (let i = 0; i < 3; i++) allocate(input, NOW); // warm-up
  const times = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    allocate(input, NOW);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  rows.push({ n, median, p90: times[Math.floor(times.length * 0.9)], min: times[0], cpu: cpu[Math.floor(cpu.length / 2)], perAgentUs: (times[0] * 1000) / n });
}

const flags = process.execArgv.join(' ') || 'default flags';
console.log(`Node ${process.version} (${flags}), ${OUTCOMES} task outcomes per agent, 25 runs (7 at 100k) after 3 warm-ups, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs\n`);
console.log('| agents | median ms | p90 ms | min ms | median CPU ms | µs per agent (min) |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.n.toLocaleString('en-US')} | ${r.median.toFixed(2)} | ${r.p90.toFixed(2)} | ${r.min.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.perAgentUs.toFixed(2)} |`);
const ten = rows.find((r) => r.n === 10_000);
console.log(`\n10k agents: median ${ten.median.toFixed(2)} ms, best ${ten.min.toFixed(2)} ms (target < 20 ms)`);
// Last line: JSON for bench/run.mjs.
console.log(JSON.stringify({ flags, outcomesPerAgent: OUTCOMES, loadAverage: os.loadavg()[0], rows }));
