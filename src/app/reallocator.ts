import { performance } from 'node:perf_hooks';
import { allocate } from '../allocation/allocate.js';
import { perTick } from '../allocation/policy.js';
import type { AllocationPolicy, AllocationTable } from '../allocation/types.js';
import type { Admission } from '../budget/admission.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { HistoryPoint } from '../admin/backend.js';
import type { HintBoard } from './hint-board.js';
import { gatherInputs } from './reallocation-inputs.js';

/** Per-agent activity of the tick that just ended, for the status page's history. */
export interface TickActivity {
  consumed: ReadonlyMap<string, number>;
  throttled: ReadonlyMap<string, number>;
}

export interface ReallocatorDeps {
  store: Store;
  policy: AllocationPolicy;
  admission: Admission;
  metrics: Metrics;
  logger: Logger;
  hints: HintBoard;
  /** Demand waiting in queues now, per agent. */
  queuedDemand: () => ReadonlyMap<string, number>;
  /** Drains the activity counters of the tick. */
  takeActivity: () => TickActivity;
  now: () => number;
}

const HISTORY_TICKS = 240;

/**
 * The reallocation loop (DESIGN §6): at every tick boundary (aligned to the wall clock, so every proxy of a
 * fleet computes the same round) gather inputs, run the pure engine, apply the table to the buckets and the
 * burst pool. A slow or failing tick never stalls the proxy: the previous table stays in force.
 */
export class Reallocator {
  private table: AllocationTable | undefined;
  private readonly history: HistoryPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AllocationTable | undefined> | undefined;
  private stopped = false;

  constructor(private readonly deps: ReallocatorDeps) {}

  get tickMs(): number {
    return this.deps.policy.tickSeconds * 1000;
  }

  get current(): AllocationTable | undefined {
    return this.table;
  }

  get recent(): readonly HistoryPoint[] {
    return this.history;
  }

  /** Baseline allocation (tokens per tick) for an agent not in the table yet. */
  baselineAllocation(): number {
    const { policy } = this.deps;
    if (policy.baseline.tokensPerMinute !== undefined) return perTick(policy, policy.baseline.tokensPerMinute);
    const pool = perTick(policy, policy.tokensPerMinute);
    const reserve = this.table?.burst.reserve ?? pool * policy.burst.minFraction;
    return (pool - reserve) / ((this.table?.agents.length ?? 0) + 1);
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Runs one tick now (also what `POST /v1/reallocate` does); concurrent calls share the running tick. */
  reallocate(): Promise<AllocationTable | undefined> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.deps.now();
    const next = (Math.floor(now / this.tickMs) + 1) * this.tickMs;
    this.timer = setTimeout(() => {
      void this.reallocate().finally(() => this.schedule());
    }, Math.max(1, next - now));
    this.timer.unref();
  }

  private async run(): Promise<AllocationTable | undefined> {
    const { deps } = this;
    const started = performance.now();
    // The table is computed for the tick's start, so every proxy of a fleet computes the same round.
    const now = Math.floor(deps.now() / this.tickMs) * this.tickMs;
    try {
      const input = await gatherInputs(deps.store, deps.policy, { hints: deps.hints.take(), queuedDemand: deps.queuedDemand() }, now);
      const table = allocate(input, now);
      this.apply(table, now);
      deps.metrics.observeReallocation((performance.now() - started) / 1000);
      deps.logger.debug({ tick: table.tick, agents: table.agents.length, burst: table.burst.capacity }, 'reallocated');
      return table;
    } catch (err) {
      deps.logger.error({ err }, 'reallocation failed; the previous allocation table stays in force');
      return this.table;
    }
  }

  private apply(table: AllocationTable, now: number): void {
    const { deps } = this;
    this.table = table;
    deps.admission.applyAllocations({
      allocations: new Map(table.agents.map((a) => [a.agent, a.allocation])),
      tickMs: this.tickMs,
      burstCapacity: table.burst.capacity,
      baselineAllocation: this.baselineAllocation(),
    });
    deps.metrics.setAllocationTable(
      table.agents.map((a) => ({ agent: a.agent, allocation: a.allocation, score: a.calibrating ? null : a.score, priorityWeight: a.priorityWeight, forecast: a.forecast })),
    );
    deps.metrics.setBurstPool({ available: deps.admission.burstPool.available(now), capacity: table.burst.capacity });
    const activity = deps.takeActivity();
    const agents: HistoryPoint['agents'] = {};
    let throttled = 0;
    for (const a of table.agents) {
      const t = activity.throttled.get(a.agent) ?? 0;
      throttled += t;
      agents[a.agent] = { allocation: a.allocation, usage: activity.consumed.get(a.agent) ?? 0, productivity: a.calibrating ? null : a.score, throttled: t };
    }
    this.history.push({
      at: new Date(now).toISOString(),
      tick: table.tick,
      burstAvailable: deps.admission.burstPool.available(now),
      burstCapacity: table.burst.capacity,
      throttled,
      agents,
    });
    if (this.history.length > HISTORY_TICKS) this.history.splice(0, this.history.length - HISTORY_TICKS);
  }
}
