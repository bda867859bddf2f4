import type { AgentHints, AgentInput, AllocationInput, AllocationPolicy, OutcomeSample, UsageWindow, UsageWindows } from '../allocation/types.js';
import type { PriorityClass } from '../domain/priority.js';
import { RECENT_WINDOW_SECONDS } from '../allocation/forecast.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { addToTotal } from '../store/by-agent.js';
import type { AgentSeen, Override, Store, TaskOutcome, UsageTotal } from '../store/store.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The engine's `recent` demand window: the last five minutes (docs/allocation.md). */
const RECENT_MINUTES = RECENT_WINDOW_SECONDS / 60;

/** Tokens of one agent in the minute still running. */
export interface PartialUsage {
  demand: number;
  consumed: number;
}

/** What operators granted an agent (src/app/agent-policies.ts). */
export interface OperatorPolicy {
  ceiling?: PriorityClass;
  criticality?: PriorityClass;
  /** Its team from config `teams` (DESIGN §9); absent: `default`. */
  team?: string;
}

/** What the reallocation loop knows beside the store: this proxy's own view, or (fleet mode) the fleet's merged signals. */
export interface LocalSignals {
  hints: ReadonlyMap<string, AgentHints>;
  queuedDemand: ReadonlyMap<string, number>;
  /**
   * Fleet mode (docs/fleet.md): the fleet's usage in the running minute up to `now`. When given, the store's
   * buckets are read only up to the last complete minute (whose counts every proxy has flushed), this
   * is added for the running one, task outcomes count only before `now`, and a first-seen after `now`
   * counts as `now`, so inputs do not depend on when in the tick a proxy reads them.
   */
  partialUsage?: ReadonlyMap<string, PartialUsage>;
}

/** A store read over minutes `[from, to)`. */
export interface MinuteRange {
  from: number;
  to: number;
}

/** The store reads one gathering makes (DESIGN §6.1–6.2): pure, so the simulator makes the same ones. */
export interface InputReads {
  recent: MinuteRange;
  lastHour: MinuteRange;
  sameHourYesterday: MinuteRange;
  sameHourLastWeek: MinuteRange;
  scoring: MinuteRange;
  /** The last ten complete minutes, one read each, oldest first: they size the burst buffer. */
  perMinute: MinuteRange[];
  /** Task outcomes from this time on. */
  tasksSince: number;
}

/** What the store answered to `inputReads`, plus the overrides in force and every first-seen. */
export interface StoreReadings {
  recent: UsageTotal[];
  lastHour: UsageTotal[];
  sameHourYesterday: UsageTotal[];
  sameHourLastWeek: UsageTotal[];
  scoring: UsageTotal[];
  perMinute: UsageTotal[][];
  tasks: TaskOutcome[];
  overrides: Override[];
  seen: AgentSeen[];
}

/** The minute ranges a gathering at `now` reads; `fleet` (partial usage given) stops at the last complete minute. */
export function inputReads(policy: AllocationPolicy, now: number, fleet: boolean): InputReads {
  const minute = Math.floor(now / MINUTE);
  // Fleet mode reads the running minute from the signals, not from the store (see LocalSignals).
  const end = fleet ? minute : minute + 1;
  const scoringMs = policy.scoringWindowSeconds * 1000;
  const hourBack = (offsetMinutes: number): MinuteRange => ({ from: minute - 59 - offsetMinutes, to: minute + 1 - offsetMinutes });
  return {
    recent: { from: minute - RECENT_MINUTES + 1, to: end },
    lastHour: { from: minute - 59, to: end },
    sameHourYesterday: hourBack(DAY / MINUTE),
    sameHourLastWeek: hourBack((7 * DAY) / MINUTE),
    scoring: { from: Math.floor((now - scoringMs) / MINUTE), to: end },
    perMinute: Array.from({ length: 10 }, (_, i) => ({ from: minute - 10 + i, to: minute - 9 + i })),
    tasksSince: now - scoringMs,
  };
}

/**
 * Gathers the engine's inputs from the store (DESIGN §6.1–6.2): the demand windows per agent (recent five minutes,
 * last hour, same hour yesterday and last week) with the time each window really covers (a window the agent
 * lived through without usage counts as zero), task outcomes and tokens in the scoring window, overrides, and the
 * fleet's recent aggregate demand per tick. Agents with no activity in any window and no override are left out.
 */
export async function gatherInputs(
  store: Store,
  policy: AllocationPolicy,
  signals: LocalSignals,
  now: number,
  operatorPolicy: (agent: string) => OperatorPolicy,
): Promise<AllocationInput> {
  const r = inputReads(policy, now, signals.partialUsage !== undefined);
  const totals = (range: MinuteRange) => store.usageTotals(range.from, range.to);
  const [recent, lastHour, sameHourYesterday, sameHourLastWeek, scoring, tasks, overrides, seen, ...perMinute] = await Promise.all([
    totals(r.recent),
    totals(r.lastHour),
    totals(r.sameHourYesterday),
    totals(r.sameHourLastWeek),
    totals(r.scoring),
    store.tasksSince(r.tasksSince),
    store.overrides(now),
    store.agents(),
    ...r.perMinute.map(totals),
  ]);
  // An in-process store answers all of these in one synchronous stretch: let the event loop turn before the next.
  await nextTurn();
  return assembleInputs(policy, { recent, lastHour, sameHourYesterday, sameHourLastWeek, scoring, perMinute, tasks, overrides, seen }, signals, now, operatorPolicy);
}

/**
 * The engine's input from what the store answered, this tick's signals and what operators granted each agent
 * (shared by the proxy and the simulator, whose fleet has no operator policies).
 */
export function assembleInputs(
  policy: AllocationPolicy,
  readings: StoreReadings,
  signals: LocalSignals,
  now: number,
  operatorPolicy: (agent: string) => OperatorPolicy = () => ({}),
): AllocationInput {
  const minute = Math.floor(now / MINUTE);
  const partial = signals.partialUsage;
  const firstSeen = new Map(readings.seen.map((s) => [s.agent, partial ? Math.min(s.firstSeen, now) : s.firstSeen]));
  const byAgent = (rows: UsageTotal[]) => new Map(rows.map((r) => [r.agent, r]));
  const rc = byAgent(readings.recent);
  const lh = byAgent(readings.lastHour);
  const yd = byAgent(readings.sameHourYesterday);
  const lw = byAgent(readings.sameHourLastWeek);
  const sc = byAgent(readings.scoring);
  if (partial) {
    // Agents with a first-seen after `now`, or none yet, count as new at `now` alike.
    for (const agent of partial.keys()) if (!firstSeen.has(agent)) firstSeen.set(agent, now);
    addPartial(rc, partial);
    addPartial(lh, partial);
    addPartial(sc, partial);
  }
  const tasksOf = new Map<string, TaskOutcome[]>();
  for (const t of readings.tasks) {
    if (partial && t.at >= now) continue;
    let list = tasksOf.get(t.agent);
    if (list === undefined) tasksOf.set(t.agent, (list = []));
    list.push(t);
  }
  const overrideOf = new Map(readings.overrides.map((o) => [o.agent, o]));
  // What the minutes read really cover: from a window's first minute to `now` (the running minute counts up to
  // `now`: read from the store, or in fleet mode from the signals), or to the end of its last minute a day or a
  // week ago. A tick on a minute boundary reads four complete minutes as "recent", not five.
  const recentFrom = (minute - RECENT_MINUTES + 1) * MINUTE;
  const hourFrom = (minute - 59) * MINUTE;
  const hourTo = (minute + 1) * MINUTE;
  const tickMs = policy.tickSeconds * 1000;

  const names = new Set<string>([...lh.keys(), ...yd.keys(), ...lw.keys(), ...tasksOf.keys(), ...overrideOf.keys(), ...signals.queuedDemand.keys()]);
  const agents: AgentInput[] = [];
  for (const agent of [...names].sort()) {
    const first = firstSeen.get(agent) ?? (partial ? now : 0);
    const usage: UsageWindows = {};
    const wr = window(rc.get(agent), recentFrom, now, first, tickMs);
    const w0 = window(lh.get(agent), hourFrom, now, first, tickMs);
    const w1 = window(yd.get(agent), hourFrom - DAY, hourTo - DAY, first, tickMs);
    const w7 = window(lw.get(agent), hourFrom - 7 * DAY, hourTo - 7 * DAY, first, tickMs);
    if (wr) usage.recent = wr;
    if (w0) usage.lastHour = w0;
    if (w1) usage.sameHourYesterday = w1;
    if (w7) usage.sameHourLastWeek = w7;
    const o = overrideOf.get(agent);
    const granted = operatorPolicy(agent);
    agents.push({
      agent,
      firstSeen: first,
      // The engine caps every class source at the ceiling, and uses the criticality where the agent claims none.
      priorityCeiling: granted.ceiling,
      criticality: granted.criticality,
      team: granted.team,
      hints: signals.hints.get(agent),
      usage,
      // Made here, agent by agent in id order, so they lie in memory in the order the engine reads them: at
      // 10k agents, samples made in the store's time order cost the tick about a third more (bench/tick.bench.mjs).
      outcomes: (tasksOf.get(agent) ?? []).map(outcomeSample),
      tokensConsumed: sc.get(agent)?.consumed ?? 0,
      queuedDemandTokens: signals.queuedDemand.get(agent),
      override: o ? { tokensPerMinute: o.tokensPerMinute, expiresAt: o.expiresAt } : undefined,
    });
  }
  // Aggregate demand per minute over the last ten minutes, scaled to the tick, sizes the burst buffer.
  const perTickScale = policy.tickSeconds / 60;
  const recentAggregateDemand = readings.perMinute.map((rows) => rows.reduce((s, r) => s + r.demand, 0) * perTickScale);
  return { policy, agents, fleet: { recentAggregateDemand } };
}

function outcomeSample(t: TaskOutcome): OutcomeSample {
  return { at: t.at, completed: t.completed, quality: t.quality };
}

/** Adds the running minute's usage to store totals, by agent (in place). */
function addPartial(totals: Map<string, UsageTotal>, partial: ReadonlyMap<string, PartialUsage>): void {
  for (const [agent, p] of partial) addToTotal(totals, agent, p.demand, p.consumed);
}

/**
 * A window's demand over the time its minutes cover since the agent's first-seen. While the agent was known, no
 * rows means it asked for nothing: a zero window, which weighs in the forecast. A window that ends before the
 * agent was first seen is missing, so a newcomer's forecast rests on the windows it lived in.
 */
function window(total: UsageTotal | undefined, from: number, to: number, firstSeen: number, tickMs: number): UsageWindow | undefined {
  const start = Math.max(from, firstSeen);
  if (to <= start) return undefined;
  // A newcomer's first seconds count as at least one tick (never more than the window), so the burst that
  // brought it is not read as a huge rate; a window the agent lived through whole keeps its real length.
  const covered = firstSeen > from ? Math.max(to - start, Math.min(tickMs, to - from)) : to - from;
  return { demandTokens: total?.demand ?? 0, coveredSeconds: covered / 1000 };
}
