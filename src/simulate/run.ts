import { allocate } from '../allocation/allocate.js';
import { fairShare } from '../allocation/fair-share.js';
import { allocationPolicy } from '../allocation/policy.js';
import { waterFillArrays } from '../allocation/water-fill.js';
import { priorityRank } from '../domain/priority.js';
import type { AllocationPolicy } from '../allocation/types.js';
import { newcomerBaseline } from '../app/reallocator.js';
import { SimAgent } from './agent-state.js';
import { grantedClassOf, retryCountedShare } from './behaviour.js';
import type { SimTask } from './agent-state.js';
import { parseScenario } from './scenario.js';
import type { Scenario, ScenarioAgent, ScenarioInput } from './scenario.js';
import { policyOverridesFrom } from './policy-overrides.js';
import { proxyInputs } from './proxy-view.js';
import type { SimClock } from './proxy-view.js';
import type { ModelResult, PolicyName, PolicyResult, QuartileResult, SimulationReport } from './report-types.js';
import { policyInUnit, simUnit } from './unit-prices.js';
import type { SimUnit } from './unit-prices.js';

/** Monday 5 January 2026, 00:00 UTC: day 0 of every run, so weekends fall on days 5 and 6. */
const RUN_START = Date.UTC(2026, 0, 5);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

interface Timeline {
  scenario: Scenario;
  tickMs: number;
  ticksPerHour: number;
  historyTicks: number;
  totalTicks: number;
}

function timeline(scenario: Scenario): Timeline {
  const ticksPerHour = Math.round(3600 / scenario.tickSeconds);
  const ticksPerDay = Math.round(86_400 / scenario.tickSeconds);
  const historyTicks = Math.round(scenario.historyDays * ticksPerDay);
  return { scenario, tickMs: scenario.tickSeconds * 1000, ticksPerHour, historyTicks, totalTicks: historyTicks + Math.round(scenario.days * ticksPerDay) };
}

/** An agent's most tokens in flight per tick (its concurrency): its cap, or 3 × the larger of its demand and a task. */
function maxPerTick(spec: ScenarioAgent, tickMinutes: number): number {
  return (spec.maxTokensPerMinute ?? 3 * Math.max(spec.demandTokensPerMinute, spec.tokensPerTask)) * tickMinutes;
}

/** Demand rate of an agent's own work at `now`, tokens per minute. */
function demandRate(agent: SimAgent, now: number, tick: number): number {
  const s = agent.spec;
  const hour = hourOfDay(now);
  const day = ((Math.floor((now - RUN_START) / DAY_MS) % 7) + 7) % 7;
  let rate = s.demandTokensPerMinute * (1 + s.dailyAmplitude * Math.cos((2 * Math.PI * (hour - s.peakHour)) / 24));
  if (day >= 5) rate *= s.weekendFactor;
  if (tick < agent.burstUntilTick) rate *= s.burst?.multiplier ?? 1;
  return rate;
}

function hourOfDay(now: number): number {
  return ((((now - RUN_START) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** An agent's true mean quality at `now`, with its daily drift. */
function qualityAt(s: ScenarioAgent, now: number): number {
  return Math.min(1, s.quality * (1 + s.qualityDailyAmplitude * Math.cos((2 * Math.PI * (hourOfDay(now) - s.qualityPeakHour)) / 24)));
}

function newTask(agent: SimAgent, rng: SimAgent['arrivals'], tick: number, now: number): SimTask {
  const s = agent.spec;
  const tokens = s.tokensPerTask * (0.5 + rng.next());
  const quality = Math.min(1, Math.max(0, qualityAt(s, now) + 0.1 * rng.normal()));
  return {
    arrivalTick: tick,
    tokens,
    remaining: tokens,
    quality,
    deadline: s.deadlineMinutes === undefined ? null : now + s.deadlineMinutes * 60_000,
    highPriority: s.class === 'high' || s.class === 'critical',
  };
}

/** Fraction of a task its agent can work through in one tick. */
function pace(a: SimAgent, tickMinutes: number): number {
  return Math.min(1, tickMinutes / a.spec.taskMinutes);
}

interface TickAllocation {
  allocations: Float64Array;
  burst: number;
  /** Order in which throttled agents draw on the burst buffer; null: they share it equally. */
  burstOrder: number[] | null;
  /** The engine's newcomer reserve (null under other policies) and the agents whose id the table does not name. */
  newcomers: NewcomerDraws | null;
  /** Allocated to ids their agents no longer use (rotated away): idle. */
  stranded: number;
}

/** What agents the table does not name may draw this tick (DESIGN §8). */
interface NewcomerDraws {
  reserve: number;
  /** Most one id may draw (the engine's baseline for one more agent). */
  allowance: number;
  unnamed: number[];
}

/**
 * One policy over the timeline. Allocations, buckets, demand and what the proxy records are in the budget's
 * unit (`unit`); agents work in tokens, and the result counts both tokens and dollars.
 */
function runPolicy(tl: Timeline, unit: SimUnit, policyName: PolicyName, seed: number, enginePolicy: AllocationPolicy, historicShares: Float64Array | null): { result: PolicyResult; historyServed: Float64Array } {
  const { scenario, tickMs, ticksPerHour, historyTicks, totalTicks } = tl;
  const tickMinutes = scenario.tickSeconds / 60;
  const pool = unit.perMinute * tickMinutes;
  // Agents present from the start have history; a later one joins during the measured period.
  const agents = scenario.agents.map(
    (spec, i) => new SimAgent(spec, i, seed, spec.joinsAtHour > 0 ? historyTicks + Math.round(spec.joinsAtHour * ticksPerHour) : 0, totalTicks, unit.unitPerToken[i] as number),
  );
  const byId = new Map(agents.map((a) => [a.spec.id, a]));
  const n = agents.length;
  const historyServed = new Float64Array(n);
  // What each agent asked for last tick and did not get: the requests the proxy sees waiting.
  const shortfall = new Float64Array(n);
  const clock: SimClock = { startMs: RUN_START - historyTicks * tickMs, tickMs };
  const pointTicks = Math.max(1, Math.round(ticksPerHour / scenario.chartPointsPerHour));
  const series: Record<string, number[]> = Object.fromEntries(agents.map((a) => [a.spec.id, [] as number[]]));
  const seriesAcc = new Float64Array(n);
  const asks = new Float64Array(n);
  const got = new Float64Array(n);
  const balances = new Float64Array(n);
  const burstMinRank = priorityRank(scenario.burstMinClass);

  let tasksCompleted = 0;
  let qualityWeightedTasks = 0;
  let tokensServed = 0;
  let usdServed = 0;
  let allocatedIdle = 0;
  let poolIdle = 0;
  let poolTotal = 0;
  let throttledTicks = 0;
  let idleWhileThrottled = 0;
  let poolWhileThrottled = 0;
  let hpTasks = 0;
  let hpMet = 0;
  const runEnd = RUN_START + (totalTicks - historyTicks) * tickMs;

  const retryShare = retryCountedShare(tickMs);
  for (let k = 0; k < totalTicks; k++) {
    const now = RUN_START + (k - historyTicks) * tickMs;
    const measured = k >= historyTicks;
    const active = agents.filter((a) => a.joinTick <= k);
    for (const a of active) {
      const every = a.spec.behaviour.rotatesIdsEveryMinutes;
      // A fresh id's bucket starts empty; what the old one held is left unused.
      if (every !== undefined && a.rotate(k, Math.max(1, Math.round(every / tickMinutes)))) balances[a.index] = 0;
    }
    for (const a of active) a.deliverReports(now, now - enginePolicy.scoringWindowSeconds * 1000);

    // 1. Allocation, decided on what the proxy knows at the start of the tick.
    const alloc = allocateTick(policyName, measured, active, agents, k, now, pool, enginePolicy, historicShares, clock, shortfall);

    // 2. Work arrives: its own, and tasks fed by upstream completions last tick.
    for (const a of active) {
      const s = a.spec;
      if (s.burst !== undefined && k >= a.burstUntilTick && a.arrivals.next() < s.burst.probabilityPerHour / ticksPerHour) {
        a.burstUntilTick = k + Math.round(s.burst.minutes / tickMinutes);
      }
      const expected = (demandRate(a, now, k) * tickMinutes) / s.tokensPerTask;
      const count = a.arrivals.poisson(expected);
      for (let j = 0; j < count; j++) addTask(a, newTask(a, a.arrivals, k, now), measured, runEnd);
      for (let j = 0; j < a.pendingFed; j++) addTask(a, newTask(a, a.fed, k, now), measured, runEnd);
      a.pendingFed = 0;
      a.abandon(k - Math.round(s.maxWaitMinutes / tickMinutes), measured);
    }

    // 3. Each agent asks for what its backlog needs, up to its concurrency. It spends from its token bucket
    // (this tick's allocation plus what it left last tick, the bucket holding at most one tick's allocation,
    // as the budget ledger does), then from the burst buffer if its class may; the rest waits.
    let expiredTick = alloc.stranded;
    for (const a of agents) {
      const i = a.index;
      asks[i] = a.joinTick <= k ? a.ask(pace(a, tickMinutes), maxPerTick(a.spec, tickMinutes)) : 0;
      const allocation = alloc.allocations[i] as number;
      const inBucket = allocation + (balances[i] as number);
      got[i] = Math.min(asks[i] as number, inBucket);
      const left = Number.isFinite(inBucket) ? inBucket - (got[i] as number) : 0;
      balances[i] = Math.min(left, Number.isFinite(allocation) ? allocation : 0);
      expiredTick += left - (balances[i] as number);
    }
    drawNewcomers(alloc.newcomers, asks, got);
    const burstLeft = drawBurst(alloc, agents, asks, got, burstMinRank);
    for (let i = 0; i < n; i++) shortfall[i] = Math.max(0, (asks[i] as number) - (got[i] as number));

    // 4. Work is done; outcomes are reported; downstream tasks are created.
    let tokensTick = 0;
    let usdTick = 0;
    let throttled = false;
    const doneAt = now + tickMs;
    for (const a of agents) {
      const i = a.index;
      const g = got[i] as number;
      // Short by more than one token's worth: throttled.
      if ((asks[i] as number) - g > a.unitPerToken) throttled = true;
      if (!measured) historyServed[i] = (historyServed[i] as number) + g;
      else {
        const tokens = g / a.unitPerToken;
        const usd = tokens * (unit.usdPerToken[i] as number);
        a.counters.servedTokens += tokens;
        a.counters.servedUsd += usd;
        tokensTick += tokens;
        usdTick += usd;
      }
      a.work(g, pace(a, tickMinutes), (t) => {
        report(a, t, doneAt);
        if (a.spec.feeds !== undefined) {
          const target = byId.get(a.spec.feeds);
          if (target !== undefined && target.joinTick <= k + 1) target.pendingFed += 1;
        }
        if (!measured) return;
        a.counters.completedTasks += 1;
        a.counters.waitTicks += k + 1 - t.arrivalTick;
        a.counters.qualityWeightedTasks += t.quality;
        tasksCompleted += 1;
        qualityWeightedTasks += t.quality;
        if (t.highPriority && t.deadline !== null && t.deadline <= runEnd && t.arrivalTick >= historyTicks && doneAt <= t.deadline) hpMet += 1;
      });
      a.recordDemand(k, a.retry(asks[i] as number, g) * retryShare);
      a.servedPrefix[k + 1] = (a.servedPrefix[k] as number) + g;
    }
    if (!measured) continue;
    // Idle: allocation that overflowed a full bucket, and burst buffer nobody drew.
    const idleTick = expiredTick + Math.max(0, burstLeft);
    tokensServed += tokensTick;
    usdServed += usdTick;
    allocatedIdle += expiredTick;
    poolTotal += pool;
    poolIdle += idleTick;
    if (throttled) {
      throttledTicks += 1;
      poolWhileThrottled += pool;
      idleWhileThrottled += idleTick;
    }
    for (let i = 0; i < n; i++) seriesAcc[i] = (seriesAcc[i] as number) + (alloc.allocations[i] as number) / tickMinutes;
    if ((k - historyTicks + 1) % pointTicks === 0) {
      for (const a of agents) {
        (series[a.spec.id] as number[]).push((seriesAcc[a.index] as number) / pointTicks);
        seriesAcc[a.index] = 0;
      }
    }
  }

  function addTask(a: SimAgent, t: SimTask, measured: boolean, end: number): void {
    a.add(t, a.spec.taskMinutes / (scenario.tickSeconds / 60));
    if (!measured) return;
    a.counters.arrivedTokens += t.tokens;
    if (t.highPriority && t.deadline !== null && t.deadline <= end) hpTasks += 1;
  }

  return {
    historyServed,
    result: {
      policy: policyName,
      tasksCompleted,
      qualityWeightedTasks,
      tokensServed,
      tasksPerMillionTokens: tokensServed > 0 ? (tasksCompleted / tokensServed) * 1e6 : 0,
      qualityTasksPerMillionTokens: tokensServed > 0 ? (qualityWeightedTasks / tokensServed) * 1e6 : 0,
      usdServed,
      qualityTasksPerUsd: usdServed > 0 ? qualityWeightedTasks / usdServed : 0,
      tokensAllocatedIdle: allocatedIdle,
      poolIdleFraction: poolTotal > 0 ? poolIdle / poolTotal : 0,
      throttledTicks,
      idleWhileThrottledFraction: poolWhileThrottled > 0 ? idleWhileThrottled / poolWhileThrottled : 0,
      quartiles: quartiles(agents, tickMinutes),
      agents: Object.fromEntries(agents.map((a) => [a.spec.id, { qualityWeightedTasks: a.counters.qualityWeightedTasks, tokensServed: a.counters.servedTokens, usdServed: a.counters.servedUsd }])),
      models: byModel(agents, unit),
      highPriorityDeadlines: { tasks: hpTasks, met: hpMet, fraction: hpTasks > 0 ? hpMet / hpTasks : 1 },
      series,
    },
  };
}

/** Reports a finished task to the proxy as the agent would, under the id in use: noisy, possibly late, possibly never. */
function report(a: SimAgent, t: SimTask, doneAt: number): void {
  const s = a.spec;
  if (s.behaviour.silent) return;
  const noise = a.reports.normal();
  const missing = a.reports.next() < s.reportMissingShare;
  const delayMs = s.reportLateMinutes > 0 ? -Math.log(1 - a.reports.next()) * s.reportLateMinutes * 60_000 : 0;
  if (missing) return;
  a.sendReport({ agent: a.currentId, at: doneAt + delayMs, completed: true, quality: Math.min(1, Math.max(0, t.quality + s.reportNoise * noise)) });
}

/**
 * Throttled agents of a class allowed to burst draw on the burst buffer: in `burstOrder` (the engine's priority
 * order), or, without one (fair sharing), equally (max-min over their shortfalls). Returns what is left.
 */
function drawBurst(alloc: TickAllocation, agents: readonly SimAgent[], asks: Float64Array, got: Float64Array, minRank: number): number {
  const n = agents.length;
  const short = new Float64Array(n);
  for (const a of agents) if (priorityRank(grantedClassOf(a.spec)) >= minRank) short[a.index] = Math.max(0, (asks[a.index] as number) - (got[a.index] as number));
  let left = alloc.burst;
  if (alloc.burstOrder === null) {
    const { amounts } = waterFillArrays(new Float64Array(n).fill(1), new Float64Array(n), short, left);
    for (let i = 0; i < n; i++) {
      got[i] = (got[i] as number) + (amounts[i] as number);
      left -= amounts[i] as number;
    }
    return left;
  }
  for (const i of alloc.burstOrder) {
    if (left <= 0) break;
    const take = Math.min(short[i] as number, left);
    got[i] = (got[i] as number) + take;
    left -= take;
  }
  return left;
}

/** Agents the table does not name take what they ask from the newcomer reserve, each up to the allowance, in id order until it is spent. */
function drawNewcomers(draws: NewcomerDraws | null, asks: Float64Array, got: Float64Array): void {
  if (draws === null) return;
  let left = draws.reserve;
  for (const i of draws.unnamed) {
    const take = Math.min((asks[i] as number) - (got[i] as number), draws.allowance, left);
    got[i] = (got[i] as number) + take;
    left -= take;
  }
}

function allocateTick(
  policyName: PolicyName,
  measured: boolean,
  active: SimAgent[],
  agents: SimAgent[],
  k: number,
  now: number,
  pool: number,
  enginePolicy: AllocationPolicy,
  historicShares: Float64Array | null,
  clock: SimClock,
  shortfall: Float64Array,
): TickAllocation {
  const allocations = new Float64Array(agents.length);
  // Before the measured period every policy is the same unthrottled history, so all of them start alike.
  if (!measured) {
    for (const a of active) allocations[a.index] = Infinity;
    return { allocations, burst: 0, burstOrder: [], newcomers: null, stranded: 0 };
  }
  if (policyName === 'equal') {
    for (const a of active) allocations[a.index] = pool / active.length;
    return { allocations, burst: 0, burstOrder: [], newcomers: null, stranded: 0 };
  }
  if (policyName === 'historic') {
    const shares = historicShares ?? new Float64Array(agents.length);
    // Agents with no history get an equal share carved out of the rest.
    const newcomers = active.filter((a) => !((shares[a.index] as number) > 0));
    const known = active.filter((a) => (shares[a.index] as number) > 0);
    const knownSum = known.reduce((s, a) => s + (shares[a.index] as number), 0);
    const newShare = pool / active.length;
    const rest = pool - newShare * newcomers.length;
    for (const a of newcomers) allocations[a.index] = newShare;
    for (const a of known) allocations[a.index] = (rest * (shares[a.index] as number)) / knownSum;
    return { allocations, burst: 0, burstOrder: [], newcomers: null, stranded: 0 };
  }
  // Fair and dynamic see what the proxy sees. An agent whose id the proxy has no row for gets nothing from
  // fair sharing this tick; under the engine it draws on the newcomer reserve. Rows of ids their agents
  // rotated away from are allocated to nobody.
  const input = proxyInputs(agents, k, now, clock, enginePolicy, shortfall);
  const index = new Map(active.map((a) => [a.currentId, a.index]));
  let stranded = 0;
  const assign = (id: string, amount: number): number | undefined => {
    const i = index.get(id);
    if (i === undefined) stranded += amount;
    else allocations[i] = amount;
    return i;
  };
  if (policyName === 'fair') {
    const fair = fairShare(input);
    input.agents.forEach((row, j) => assign(row.agent, fair.allocations[j] as number));
    return { allocations, burst: fair.burstCapacity, burstOrder: null, newcomers: null, stranded };
  }
  const table = allocate(input, now);
  const order: Array<{ i: number; w: number; id: string }> = [];
  const named = new Set<number>();
  for (const row of table.agents) {
    const i = assign(row.agent, row.allocation);
    if (i === undefined) continue;
    named.add(i);
    order.push({ i, w: row.priorityWeight, id: row.agent });
  }
  order.sort((x, y) => y.w - x.w || (x.id < y.id ? -1 : 1));
  const unnamed = active.filter((a) => !named.has(a.index)).sort((x, y) => (x.currentId < y.currentId ? -1 : 1)).map((a) => a.index);
  return {
    allocations,
    burst: table.burst.capacity,
    // Unnamed agents burst after the named ones: they have no priority weight yet.
    burstOrder: [...order.map((o) => o.i), ...unnamed],
    newcomers: { reserve: table.newcomers.reserve, allowance: newcomerBaseline(enginePolicy, table), unnamed },
    stranded,
  };
}

/** What each model's agents got, together, in scenario order of first appearance. */
function byModel(agents: readonly SimAgent[], unit: SimUnit): Record<string, ModelResult> {
  const out: Record<string, ModelResult> = {};
  for (const a of agents) {
    const model = unit.models[a.index] as string;
    const m = (out[model] ??= { agents: [], qualityWeightedTasks: 0, tokensServed: 0, usdServed: 0 });
    m.agents.push(a.spec.id);
    m.qualityWeightedTasks += a.counters.qualityWeightedTasks;
    m.tokensServed += a.counters.servedTokens;
    m.usdServed += a.counters.servedUsd;
  }
  return out;
}

/** Hidden productivity in the budget's unit: quality per token, or per dollar. */
function productivity(spec: ScenarioAgent, unitPerToken: number): number {
  return spec.quality / (spec.tokensPerTask * unitPerToken);
}

function quartiles(agents: SimAgent[], tickMinutes: number): QuartileResult[] {
  const ranked = [...agents].sort((a, b) => productivity(a.spec, a.unitPerToken) - productivity(b.spec, b.unitPerToken) || (a.spec.id < b.spec.id ? -1 : 1));
  const out: QuartileResult[] = [1, 2, 3, 4].map((quartile) => ({ quartile, agents: [], demandTokens: 0, refusedTokens: 0, refusedFraction: 0, meanDelayMinutes: 0 }));
  const waits = [0, 0, 0, 0];
  const done = [0, 0, 0, 0];
  ranked.forEach((a, r) => {
    const q = Math.min(3, Math.floor((r * 4) / ranked.length));
    const o = out[q] as QuartileResult;
    o.agents.push(a.spec.id);
    o.demandTokens += a.counters.arrivedTokens;
    o.refusedTokens += a.counters.abandonedTokens;
    waits[q] = (waits[q] as number) + a.counters.waitTicks;
    done[q] = (done[q] as number) + a.counters.completedTasks;
  });
  out.forEach((o, q) => {
    o.refusedFraction = o.demandTokens > 0 ? o.refusedTokens / o.demandTokens : 0;
    o.meanDelayMinutes = (done[q] as number) > 0 ? ((waits[q] as number) / (done[q] as number)) * tickMinutes : 0;
  });
  return out;
}

/** Run a scenario under the equal split, the historic split, fair sharing and the dynamic engine (or the `policies` named), same budget and same seed. */
export function runSimulation(scenarioInput: Scenario | ScenarioInput, seed: number, policies: readonly PolicyName[] = ['equal', 'historic', 'fair', 'dynamic']): SimulationReport {
  const scenario = parseScenario(scenarioInput);
  const tl = timeline(scenario);
  const unit = simUnit(scenario);
  const overrides = policyOverridesFrom(scenario.policy);
  const enginePolicy = policyInUnit(
    allocationPolicy({ ...overrides, tokensPerMinute: scenario.tokensPerMinute, tickSeconds: scenario.tickSeconds, burst: { ...overrides.burst, minClass: scenario.burstMinClass } }),
    scenario,
    unit,
  );
  const results: PolicyResult[] = [];
  let historyServed: Float64Array | null = null;
  for (const name of policies) {
    // The history before the measured period is identical under every policy: its usage sets the historic split.
    const run = runPolicy(tl, unit, name, seed, enginePolicy, name === 'historic' ? (historyServed ?? runPolicy(tl, unit, 'equal', seed, enginePolicy, null).historyServed) : null);
    historyServed ??= run.historyServed;
    results.push(run.result);
  }
  const perToken = new Map(scenario.agents.map((a, i) => [a, unit.unitPerToken[i] as number]));
  const worth = (a: ScenarioAgent) => productivity(a, perToken.get(a) ?? 1);
  const ranked = [...scenario.agents].sort((a, b) => worth(a) - worth(b) || (a.id < b.id ? -1 : 1));
  return {
    scenario: scenario.name,
    seed,
    days: scenario.days,
    tickSeconds: scenario.tickSeconds,
    unit: unit.unit,
    poolTokensPerMinute: scenario.tokensPerMinute,
    poolUsdPerMinute: unit.usdPerMinute,
    poolPerMinute: unit.perMinute,
    chartPointsPerHour: scenario.chartPointsPerHour,
    agents: scenario.agents.map((a, i) => {
      const r = ranked.indexOf(a);
      return { id: a.id, model: unit.models[i] as string, trueProductivity: (a.quality / a.tokensPerTask) * 1e6, quartile: Math.min(3, Math.floor((r * 4) / ranked.length)) + 1, joinsAtHour: a.joinsAtHour };
    }),
    policies: results,
  };
}
