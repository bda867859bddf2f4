import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { allocate } from '../allocation/allocate.js';
import { changedAllocations } from '../allocation/allocation-changes.js';
import { baselinePerTick, newcomerReserveWanted, perTick, tickMs } from '../allocation/policy.js';
import type { AllocationPolicy, AllocationTable } from '../allocation/types.js';
import type { Admission } from '../budget/admission.js';
import type { TickTracer } from '../domain/tick-trace.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { HistoryPoint } from '../admin/backend.js';
import type { HistoryRecorder } from '../admin/history.js';
import type { HintBoard } from './hint-board.js';
import type { AgentPolicies } from './agent-policies.js';
import { everyoneInDefaultTeam, type TeamOf } from '../domain/team.js';
import { localShares, mergeSignals, signalRows } from './fleet-signals.js';
import { gatherInputs, type LocalSignals, type PartialUsage } from './reallocation-inputs.js';

/** Per-agent activity of the tick that just ended, for the status page's history. */
export interface TickActivity {
  consumed: ReadonlyMap<string, number>;
  throttled: ReadonlyMap<string, number>;
}

export interface ReallocatorDeps {
  store: Store;
  /** The engine's policy at start (`setPolicy` replaces it on a config reload). */
  policy: AllocationPolicy;
  admission: Admission;
  metrics: Metrics;
  logger: Logger;
  hints: HintBoard;
  /** Operators' policy per agent; its runtime part is re-read from the store each tick. */
  policies: AgentPolicies;
  /** Each agent's team (config `teams`; default: everyone in `default`). */
  teamOf?: TeamOf;
  /** Demand waiting in queues now, per agent. */
  queuedDemand: () => ReadonlyMap<string, number>;
  /** Drains the activity counters of the tick. */
  takeActivity: () => TickActivity;
  now: () => number;
  /** Bounded per-tick history for the status page and the per-agent view. */
  history: HistoryRecorder;
  /** Fleet mode (docs/fleet.md): share local signals through the store and compute from the fleet's. */
  fleet?: FleetOptions;
  /** Buckets of agents idle this long (and not in the table) are forgotten each tick. Default: 10 ticks, at least 10 minutes. */
  ledgerIdleMs?: number;
  /** Tracing (OpenTelemetry): one span per tick; absent when tracing is off. */
  tracer?: TickTracer;
}

/** An allocation that moved by more than this fraction counts as changed in a tick's span. */
const CHANGE_THRESHOLD = 0.1;

/** How a proxy of a fleet arrives at the same table as the others. */
export interface FleetOptions {
  /** This process's id in the shared signals. */
  source: string;
  /** Wait after the tick boundary before reading the shared inputs, so every proxy has flushed (about 2 × flush interval; at most half a tick). */
  settleMs: number;
  /** This proxy's usage per agent in a minute (the running one at the boundary). */
  partialUsage: (minute: number) => ReadonlyMap<string, PartialUsage>;
  /** Drains this proxy's demand per agent since the last boundary. */
  takeTickDemand?: () => ReadonlyMap<string, number>;
}

const MINUTE = 60_000;

/**
 * The engine's baseline for an agent the table does not name yet, as if the table had one more agent
 * (before any table: the minimum burst reserve and the newcomer reserve set aside). It caps what one such
 * agent may draw from the newcomer reserve per tick; the reserve itself caps them all (DESIGN §8).
 */
export function newcomerBaseline(policy: AllocationPolicy, table: AllocationTable | undefined): number {
  const pool = perTick(policy, policy.tokensPerMinute);
  const reserves = table === undefined ? pool * policy.burst.minFraction + newcomerReserveWanted(policy, pool) : table.burst.reserve + table.newcomers.reserve;
  return baselinePerTick(policy, (table?.agents.length ?? 0) + 1, reserves);
}

/**
 * The reallocation loop (DESIGN §6): at every tick boundary (aligned to the wall clock, so every proxy of a
 * fleet computes the same round) gather inputs, run the pure engine, apply the table to the buckets and the
 * burst pool. A slow or failing tick never stalls the proxy: the previous table stays in force.
 */
export class Reallocator {
  private table: AllocationTable | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AllocationTable | undefined> | undefined;
  private stopped = false;
  /** Fleet mode: this proxy's part of each agent's allocation (absent: all of it). */
  private shares: ReadonlyMap<string, number> = new Map();
  private proxiesSeen = 1;
  /** The engine's policy; a config reload replaces it (the tick length stays: it is not reloadable). */
  private policy: AllocationPolicy;

  constructor(private readonly deps: ReallocatorDeps) {
    this.policy = deps.policy;
  }

  get tickMs(): number {
    return tickMs(this.policy);
  }

  /** Puts a reloaded policy in force for every tick computed from now on. */
  setPolicy(policy: AllocationPolicy): void {
    this.policy = policy;
  }

  /**
   * Runs a tick that sees every change made so far: a tick already running may have read the old policy,
   * so this one starts after it.
   */
  async reallocateNow(): Promise<AllocationTable | undefined> {
    await this.running;
    return this.reallocate();
  }

  get current(): AllocationTable | undefined {
    return this.table;
  }

  /** What an agent not in the table yet may draw from the newcomer reserve per tick. */
  newcomerAllowance(): number {
    return newcomerBaseline(this.policy, this.table);
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Proxies that published signals for the last tick computed (this one included; 1 outside fleet mode). */
  get fleetSize(): number {
    return this.proxiesSeen;
  }

  /** This proxy's part (0–1] of an agent's allocation in fleet mode; 1 outside it. */
  shareOf(agent: string): number {
    return this.shares.get(agent) ?? 1;
  }

  /** Wait between a tick's boundary and its computation (0 outside fleet mode). */
  get settleMs(): number {
    const fleet = this.deps.fleet;
    return fleet ? Math.min(Math.max(0, fleet.settleMs), this.tickMs / 2) : 0;
  }

  /**
   * Runs one tick now (also what `POST /v1/reallocate` does) for the tick starting at `tickStart` (default: the
   * current one); concurrent calls share the running tick.
   */
  reallocate(tickStart?: number): Promise<AllocationTable | undefined> {
    this.running ??= this.run(tickStart).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.deps.now();
    const next = (Math.floor(now / this.tickMs) + 1) * this.tickMs;
    if (this.deps.fleet === undefined) {
      this.timer = setTimeout(() => {
        void this.reallocate(next).finally(() => this.schedule());
      }, Math.max(1, next - now));
      this.timer.unref();
      return;
    }
    // Fleet mode: publish at the boundary, compute once every proxy has published and flushed.
    this.timer = setTimeout(() => {
      const published = this.publish(next);
      this.timer = setTimeout(
        () => {
          void published.then(() => this.reallocate(next)).finally(() => this.schedule());
        },
        Math.max(1, next + this.settleMs - this.deps.now()),
      );
      this.timer.unref();
    }, Math.max(1, next - now));
    this.timer.unref();
  }

  /** Fleet mode: this proxy's hints, queued demand and running-minute usage at the boundary, into the store. */
  async publish(tickStart: number): Promise<void> {
    const { deps } = this;
    const fleet = deps.fleet;
    if (fleet === undefined || deps.store.putSignals === undefined) return;
    const rows = signalRows(fleet.source, {
      hints: deps.hints.take(),
      queuedDemand: deps.queuedDemand(),
      partialUsage: fleet.partialUsage(Math.floor(tickStart / MINUTE)),
      tickDemand: fleet.takeTickDemand?.(),
    });
    try {
      await deps.store.putSignals(Math.floor(tickStart / this.tickMs), fleet.source, rows);
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'could not publish this proxy\'s signals; the fleet computes this tick without them');
    }
  }

  private async signalsFor(now: number): Promise<LocalSignals> {
    const { deps } = this;
    if (deps.fleet === undefined || deps.store.signals === undefined) return { hints: deps.hints.take(), queuedDemand: deps.queuedDemand() };
    const rows = await deps.store.signals(Math.floor(now / this.tickMs));
    this.shares = localShares(rows, deps.fleet.source);
    this.proxiesSeen = Math.max(1, new Set([...rows.map((r) => r.source), deps.fleet.source]).size);
    return mergeSignals(rows);
  }

  private async run(tickStart?: number): Promise<AllocationTable | undefined> {
    const { deps } = this;
    const started = performance.now();
    // The table is computed for the tick's start, so every proxy of a fleet computes the same round.
    const now = tickStart ?? Math.floor(deps.now() / this.tickMs) * this.tickMs;
    try {
      await deps.policies.refresh(deps.store);
      const input = await gatherInputs(deps.store, this.policy, await this.signalsFor(now), now, (agent) => {
        const { ceiling, criticality } = deps.policies.effective(agent);
        return { ceiling, criticality, team: (deps.teamOf ?? everyoneInDefaultTeam)(agent) };
      });
      // Each phase runs synchronously; letting the event loop turn between them keeps a large fleet's tick
      // from holding up requests for the sum of the three (the previous table serves meanwhile).
      await nextTurn();
      const table = allocate(input, now);
      await nextTurn();
      const previous = this.table;
      this.apply(table, now);
      const ended = performance.now();
      deps.metrics.observeReallocation((ended - started) / 1000);
      deps.logger.debug({ tick: table.tick, agents: table.agents.length, burst: table.burst.capacity }, 'reallocated');
      deps.tracer?.tick({
        startedAt: performance.timeOrigin + started,
        endedAt: performance.timeOrigin + ended,
        tick: table.tick,
        pool: table.pool,
        burstReserve: table.burst.reserve,
        agents: table.agents.length,
        agentsChanged: changedAllocations(previous, table, CHANGE_THRESHOLD),
      });
      return table;
    } catch (err) {
      deps.logger.error({ err }, 'reallocation failed; the previous allocation table stays in force');
      deps.tracer?.tick({ startedAt: performance.timeOrigin + started, endedAt: performance.timeOrigin + performance.now(), error: err instanceof Error ? err.message : String(err) });
      return this.table;
    }
  }

  private apply(table: AllocationTable, now: number): void {
    const { deps } = this;
    this.table = table;
    deps.admission.applyAllocations({
      // Fleet mode: this proxy enforces its share of an agent served by several proxies.
      allocations: new Map(table.agents.map((a) => [a.agent, a.allocation * (this.shares.get(a.agent) ?? 1)])),
      tickMs: this.tickMs,
      burstCapacity: table.burst.capacity,
      newcomerReserve: table.newcomers.reserve,
      newcomerAllowance: this.newcomerAllowance(),
    });
    deps.metrics.setAllocationTable(
      table.agents.map((a) => ({ agent: a.agent, team: a.team, allocation: a.allocation, score: a.calibrating ? null : a.score, priorityWeight: a.priorityWeight, forecast: a.forecast })),
    );
    deps.metrics.setBurstPool({ available: deps.admission.burstPool.available(now), capacity: table.burst.capacity });
    const activity = deps.takeActivity();
    const agents: HistoryPoint['agents'] = {};
    let throttled = 0;
    for (const a of table.agents) {
      const t = activity.throttled.get(a.agent) ?? 0;
      throttled += t;
      agents[a.agent] = {
        allocation: a.allocation,
        usage: activity.consumed.get(a.agent) ?? 0,
        productivity: a.calibrating ? null : a.score,
        throttled: t,
        forecast: a.forecast,
        priorityWeight: a.priorityWeight,
      };
    }
    const idleMs = deps.ledgerIdleMs ?? Math.max(10 * this.tickMs, 10 * MINUTE);
    const forgotten = deps.admission.ledger.prune(idleMs, deps.now());
    if (forgotten > 0) deps.logger.debug({ forgotten }, 'forgot the buckets of idle agents');
    deps.history.record({
      at: new Date(now).toISOString(),
      tick: table.tick,
      burstAvailable: deps.admission.burstPool.available(now),
      burstCapacity: table.burst.capacity,
      throttled,
      agents,
    });
  }
}
