import type { OutcomeSample } from '../allocation/types.js';
import { deriveSeed, Prng } from './prng.js';
import type { ScenarioAgent } from './scenario.js';

/** One task in an agent's backlog. */
export interface SimTask {
  arrivalTick: number;
  tokens: number;
  remaining: number;
  /** True quality of its result. */
  quality: number;
  /** Unix ms, or null. */
  deadline: number | null;
  highPriority: boolean;
}

/** Per-agent counters for the measured period. */
export interface AgentCounters {
  arrivedTokens: number;
  abandonedTokens: number;
  completedTasks: number;
  waitTicks: number;
  /** Σ true quality of its completed tasks. */
  qualityWeightedTasks: number;
  servedTokens: number;
  servedUsd: number;
}

/** A task report as the proxy receives it: under the agent id in use when the task was done. */
export interface SimReport extends OutcomeSample {
  agent: string;
}

/** An agent id in use from tick `fromTick` on (until the next one's). */
export interface SimIdentity {
  id: string;
  fromTick: number;
}

/**
 * A simulated agent: hidden truth, its backlog, and the history a proxy would have recorded. Its work is in
 * tokens; what it asks, spends and the proxy records is in the budget's unit (`unitPerToken`: 1 in tokens).
 */
export class SimAgent {
  readonly arrivals: Prng;
  readonly fed: Prng;
  readonly reports: Prng;
  private backlog: SimTask[] = [];
  private head = 0;
  burstUntilTick = -Infinity;
  /** Prefix sums over ticks (index = tick − firstTick): demand asked and amount served, in the unit. */
  readonly demandPrefix: Float64Array;
  readonly servedPrefix: Float64Array;
  readonly outcomes: SimReport[] = [];
  private outcomesHead = 0;
  private inTransit: SimReport[] = [];
  /** The ids it has used, oldest first; the last is the one in use (more than one only if it rotates ids). */
  readonly identities: SimIdentity[];
  /** Refused tokens its SDK will re-send next tick, by how often they were sent before (index 0: once). */
  private readonly retrying: Float64Array;
  pendingFed = 0;
  /** Demand a proxy would see, per coming tick: each task's requests spread over its duration, counted once. */
  private readonly schedule: Float64Array;
  private scheduleAt = 0;
  readonly counters: AgentCounters = { arrivedTokens: 0, abandonedTokens: 0, completedTasks: 0, waitTicks: 0, qualityWeightedTasks: 0, servedTokens: 0, servedUsd: 0 };

  constructor(
    readonly spec: ScenarioAgent,
    readonly index: number,
    seed: number,
    readonly joinTick: number,
    totalTicks: number,
    /** What one of its tokens costs in the budget's unit. */
    readonly unitPerToken: number,
  ) {
    this.arrivals = new Prng(deriveSeed(seed, 'arrivals', spec.id));
    this.fed = new Prng(deriveSeed(seed, 'fed', spec.id));
    this.reports = new Prng(deriveSeed(seed, 'reports', spec.id));
    this.schedule = new Float64Array(Math.max(1, Math.ceil(spec.taskMinutes)) + 1);
    this.demandPrefix = new Float64Array(totalTicks + 1);
    this.servedPrefix = new Float64Array(totalTicks + 1);
    this.identities = [{ id: spec.id, fromTick: joinTick }];
    this.retrying = new Float64Array(spec.behaviour.retries);
  }

  /** The agent id its requests and reports carry now. */
  get currentId(): string {
    return (this.identities[this.identities.length - 1] as SimIdentity).id;
  }

  /** Start over under a fresh id at tick `k` once the current one is `everyTicks` old; true if it did. */
  rotate(k: number, everyTicks: number): boolean {
    const current = this.identities[this.identities.length - 1] as SimIdentity;
    if (k - current.fromTick < everyTicks) return false;
    this.identities.push({ id: `${this.spec.id}~${this.identities.length}`, fromTick: k });
    return true;
  }

  openCount(): number {
    return this.backlog.length - this.head;
  }

  add(task: SimTask, spreadTicks: number): void {
    this.backlog.push(task);
    const m = Math.max(1, Math.min(this.schedule.length, Math.round(spreadTicks)));
    for (let j = 0; j < m; j++) {
      const at = (this.scheduleAt + j) % this.schedule.length;
      this.schedule[at] = (this.schedule[at] as number) + task.tokens / m;
    }
  }

  /**
   * Its SDK's retries this tick, given what it asked and got: the refused tokens it re-sent (the same work its
   * backlog holds, so they add nothing to what it asks) move one retry on, refused fresh tokens start their
   * first; returns the tokens re-sent this tick.
   */
  retry(asked: number, got: number): number {
    const m = this.retrying.length;
    if (m === 0) return 0;
    let resent = 0;
    for (let j = 0; j < m; j++) resent += this.retrying[j] as number;
    resent = Math.min(resent, asked);
    const refusedShare = asked > 0 ? Math.max(0, asked - got) / asked : 0;
    for (let j = m - 1; j > 0; j--) this.retrying[j] = (this.retrying[j - 1] as number) * refusedShare;
    this.retrying[0] = Math.max(0, asked - resent) * refusedShare;
    return resent;
  }

  /** Close tick `k`'s demand record: what its tasks' requests asked for this tick, plus `repeated` (in the unit) the proxy counted again. */
  recordDemand(k: number, repeated: number): void {
    this.demandPrefix[k + 1] = (this.demandPrefix[k] as number) + (this.schedule[this.scheduleAt] as number) * this.unitPerToken + repeated;
    this.schedule[this.scheduleAt] = 0;
    this.scheduleAt = (this.scheduleAt + 1) % this.schedule.length;
  }

  /** Drop tasks that arrived before `beforeTick` (waited longer than the agent will); in the measured period, counts the tokens they still needed as refused. */
  abandon(beforeTick: number, measured: boolean): void {
    while (this.head < this.backlog.length) {
      const t = this.backlog[this.head] as SimTask;
      if (t.arrivalTick >= beforeTick) break;
      this.head += 1;
      if (measured) this.counters.abandonedTokens += t.remaining;
    }
    this.compact();
  }

  /**
   * What the agent asks for this tick, in the unit: its open tasks oldest first, each at most `paceFraction`
   * of its size (a task takes several ticks of requests), all together at most `maxPerTick` tokens (its concurrency).
   */
  ask(paceFraction: number, maxPerTick: number): number {
    let total = 0;
    for (let i = this.head; i < this.backlog.length && total < maxPerTick; i++) {
      const t = this.backlog[i] as SimTask;
      total += Math.min(t.remaining, t.tokens * paceFraction);
    }
    return Math.min(total, maxPerTick) * this.unitPerToken;
  }

  /** Spend `amount` (in the unit) the way `ask` asked for it; calls `done` for each task finished. */
  work(amount: number, paceFraction: number, done: (task: SimTask) => void): void {
    let left = amount / this.unitPerToken;
    const finished: number[] = [];
    for (let i = this.head; i < this.backlog.length && left > 1e-9; i++) {
      const t = this.backlog[i] as SimTask;
      const used = Math.min(left, t.remaining, t.tokens * paceFraction);
      t.remaining -= used;
      left -= used;
      if (t.remaining <= 1e-6) finished.push(i);
    }
    if (finished.length > 0) {
      // Finished tasks are a prefix of the work order except where pacing let a later one finish first.
      const keep: SimTask[] = [];
      for (let i = this.head; i < this.backlog.length; i++) {
        const t = this.backlog[i] as SimTask;
        if (t.remaining <= 1e-6) done(t);
        else keep.push(t);
      }
      this.backlog = keep;
      this.head = 0;
    }
  }

  nearestDeadline(): number | undefined {
    let best: number | undefined;
    for (let i = this.head; i < this.backlog.length; i++) {
      const d = (this.backlog[i] as SimTask).deadline;
      if (d !== null && (best === undefined || d < best)) best = d;
    }
    return best;
  }

  /** A report the proxy will receive at `sample.at` (reports arrive late, and out of order). */
  sendReport(sample: SimReport): void {
    this.inTransit.push(sample);
  }

  /** Deliver the reports due by `now` (oldest first), and forget outcomes older than `windowStart`. */
  deliverReports(now: number, windowStart: number): void {
    if (this.inTransit.length === 0) return;
    const due = this.inTransit.filter((r) => r.at <= now).sort((x, y) => x.at - y.at);
    if (due.length === 0) return;
    this.inTransit = this.inTransit.filter((r) => r.at > now);
    for (const r of due) this.recordOutcome(r, windowStart);
  }

  private recordOutcome(sample: SimReport, windowStart: number): void {
    this.outcomes.push(sample);
    while (this.outcomesHead < this.outcomes.length && (this.outcomes[this.outcomesHead] as SimReport).at < windowStart) this.outcomesHead += 1;
    if (this.outcomesHead > 512) {
      this.outcomes.splice(0, this.outcomesHead);
      this.outcomesHead = 0;
    }
  }

  recentOutcomes(): SimReport[] {
    return this.outcomes.slice(this.outcomesHead);
  }

  private compact(): void {
    if (this.head > 256 && this.head * 2 > this.backlog.length) {
      this.backlog = this.backlog.slice(this.head);
      this.head = 0;
    }
  }
}
