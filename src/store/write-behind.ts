import { randomBytes } from 'node:crypto';
import type { AuditEntry } from '../domain/audit.js';
import { addToTotal, byAgent, sortedByAgent } from './by-agent.js';
import { StoreClosedError } from './store-errors.js';
import { mergeTaskReports, outcomesSince, taskKey } from './task-merge.js';
import type {
  AgentSeen,
  AgentSignal,
  BurstState,
  CapCounterKey,
  CapCounterRef,
  CapCounterState,
  CapDelta,
  CapReserveResult,
  TickPoolName,
  Override,
  AgentPolicy,
  Store,
  StoreStatusListener,
  TaskOutcome,
  TaskRecordResult,
  UsageDelta,
  UsageTotal,
  WriteBatch,
} from './store.js';

export interface WriteBehindOptions {
  /** How often buffered writes reach the inner store (ms); also the most a crash can lose. Default 1000. */
  flushMs?: number;
  /** Task reports kept while the inner store keeps failing; the oldest beyond this are dropped. Default 100 000. */
  maxPendingTasks?: number;
  /** Told about each failed background flush or task report (the data is kept and retried on the next flush). */
  onFlushError?: (err: unknown) => void;
  /** Clock stamping each batch (so stores can forget writers long gone). Default `Date.now`. */
  now?: () => number;
}

/**
 * Buffers the hot-path writes (usage, first-seen) in memory and writes them to the inner store every
 * `flushMs` and on close, merging deltas of the same agent and minute. Reads add the unflushed part, so a
 * caller always sees its own writes.
 *
 * Each flush is one `WriteBatch` with this writer's next `seq`, applied atomically by the inner store. A
 * failed flush keeps its batch, unchanged, and retries it before anything newer: where the first attempt
 * landed unseen (a Redis command timed out on the client but ran on the server), the store recognises the
 * seq and the retry changes nothing. That is how local counts reconcile into Redis after an outage, once.
 *
 * Task reports go straight through, because the answer depends on the store (DESIGN §3: a repeat is a
 * duplicate). When the store fails, a report is kept for the next flush instead (fail-open) and answered
 * from what this proxy holds; the store applies the same rule at the flush, so each task still counts once.
 * Overrides, agent policies, the audit trail, event claims, the burst pool and period-cap counters go straight
 * through: they are rare, or must be atomic across processes (an audit entry is written once, by the call that records it).
 */
export class WriteBehindStore implements Store {
  readonly kind: string;
  readonly #inner: Store;
  readonly #maxPendingTasks: number;
  readonly #onFlushError: (err: unknown) => void;
  readonly #now: () => number;
  /** This buffer's identity in the batches it writes: unique per process and store. */
  readonly #writer = randomBytes(9).toString('base64url');
  #seq = 0;
  #usage = new Map<string, UsageDelta>();
  /** Task reports the inner store could not take when they came. */
  #tasks: TaskOutcome[] = [];
  #agents = new Map<string, number>();
  /** A batch whose flush failed: retried as it is, before anything newer is flushed. */
  #retry: WriteBatch | undefined;
  /** Serialises flushes with the reads that merge pending data, so nothing is counted twice or missed. */
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #flushQueued = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #droppedTasks = 0;

  constructor(inner: Store, options: WriteBehindOptions = {}) {
    this.#inner = inner;
    this.kind = inner.kind;
    this.#maxPendingTasks = options.maxPendingTasks ?? 100_000;
    this.#onFlushError = options.onFlushError ?? (() => {});
    this.#now = options.now ?? Date.now;
    const { putSignals, signals } = inner;
    if (putSignals && signals) {
      this.putSignals = (tick, source, rows) => {
        this.#open();
        return putSignals.call(inner, tick, source, rows);
      };
      this.signals = (tick) => {
        this.#open();
        return signals.call(inner, tick);
      };
    }
    const flushMs = options.flushMs ?? 1000;
    this.#timer = setInterval(() => {
      // A slow or failing backend must not pile flushes up behind each other.
      if (this.#flushQueued) return;
      this.flush().catch(this.#onFlushError);
    }, flushMs);
    this.#timer.unref();
  }

  /** The store being written to. */
  get inner(): Store {
    return this.#inner;
  }

  /** Task outcomes dropped because the inner store failed for longer than the buffer could hold. */
  get droppedTasks(): number {
    return this.#droppedTasks;
  }

  /** Deltas waiting for the next flush (usage buckets + task reports + first-seen entries, a failed batch's included). */
  get pendingCount(): number {
    const retry = this.#retry;
    const retrying = retry ? retry.usage.length + retry.tasks.length + retry.agents.length : 0;
    return this.#usage.size + this.#tasks.length + this.#agents.size + retrying;
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    this.#open();
    mergeUsage(this.#usage, deltas);
  }

  async recordTasks(reports: readonly TaskOutcome[]): Promise<TaskRecordResult[]> {
    this.#open();
    try {
      return await this.#inner.recordTasks(reports);
    } catch (err) {
      if (this.#closed) throw err;
      this.#onFlushError(err);
      // The store's state is unknown: answer against the reports this proxy still holds for the same tasks.
      const keys = new Set(reports.map((r) => taskKey(r.agent, r.task)));
      const held = new Map<string, TaskOutcome>();
      mergeTaskReports(held, this.#pendingTasks().filter((t) => keys.has(taskKey(t.agent, t.task))));
      const results = mergeTaskReports(held, reports);
      for (const r of reports) this.#tasks.push({ ...r });
      this.#capTasks();
      return results;
    }
  }

  /** Passed through: batches are this class's own output, not something to buffer again. */
  async applyBatch(batch: WriteBatch): Promise<boolean> {
    this.#open();
    return this.#inner.applyBatch(batch);
  }

  async touchAgents(seen: readonly AgentSeen[]): Promise<void> {
    this.#open();
    mergeAgents(this.#agents, seen);
  }

  async usageTotals(fromMinute: number, toMinute: number): Promise<UsageTotal[]> {
    this.#open();
    return this.#exclusive(async () => {
      const stored = await this.#inner.usageTotals(fromMinute, toMinute);
      const sums = new Map(stored.map((t) => [t.agent, { ...t }]));
      for (const d of [...(this.#retry?.usage ?? []), ...this.#usage.values()]) {
        if (d.minute >= fromMinute && d.minute < toMinute) addToTotal(sums, d.agent, d.demand, d.consumed);
      }
      return sortedByAgent(sums);
    });
  }

  async tasksSince(sinceMs: number): Promise<TaskOutcome[]> {
    this.#open();
    return this.#exclusive(async () => {
      const stored = await this.#inner.tasksSince(sinceMs);
      // Held reports merge as the store will merge them (against outcomes in the window: close enough while it is down).
      const merged = new Map(stored.map((t) => [taskKey(t.agent, t.task), t]));
      mergeTaskReports(merged, this.#pendingTasks());
      return outcomesSince(merged.values(), sinceMs);
    });
  }

  async agents(): Promise<AgentSeen[]> {
    this.#open();
    return this.#exclusive(async () => {
      const merged = new Map((await this.#inner.agents()).map((a) => [a.agent, a.firstSeen]));
      mergeAgents(merged, [...(this.#retry?.agents ?? []), ...[...this.#agents].map(([agent, firstSeen]) => ({ agent, firstSeen }))]);
      return [...merged].map(([agent, firstSeen]) => ({ agent, firstSeen })).sort(byAgent);
    });
  }

  async setOverride(override: Override): Promise<void> {
    this.#open();
    return this.#inner.setOverride(override);
  }

  async deleteOverride(agent: string): Promise<boolean> {
    this.#open();
    return this.#inner.deleteOverride(agent);
  }

  async overrides(now: number): Promise<Override[]> {
    this.#open();
    return this.#inner.overrides(now);
  }

  async setAgentPolicy(policy: AgentPolicy): Promise<void> {
    this.#open();
    return this.#inner.setAgentPolicy(policy);
  }

  async deleteAgentPolicy(agent: string): Promise<boolean> {
    this.#open();
    return this.#inner.deleteAgentPolicy(agent);
  }

  async agentPolicies(): Promise<AgentPolicy[]> {
    this.#open();
    return this.#inner.agentPolicies();
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.#open();
    return this.#inner.appendAudit(entry);
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    this.#open();
    return this.#inner.audit(limit);
  }

  async burstTake(tick: number, capacity: number, amount: number, pool?: TickPoolName): Promise<number> {
    this.#open();
    return this.#inner.burstTake(tick, capacity, amount, pool);
  }

  async burstReturn(tick: number, capacity: number, amount: number, pool?: TickPoolName): Promise<void> {
    this.#open();
    return this.#inner.burstReturn(tick, capacity, amount, pool);
  }

  async burstState(tick: number, capacity: number, pool?: TickPoolName): Promise<BurstState> {
    this.#open();
    return this.#inner.burstState(tick, capacity, pool);
  }

  /** Straight through: a deferred claim could not say who claimed first. */
  async claimEvent(key: string, now: number, ttlMs: number): Promise<boolean> {
    this.#open();
    return this.#inner.claimEvent(key, now, ttlMs);
  }

  // Period caps go straight through: a check-and-reserve must be atomic across processes.
  async capReserve(refs: readonly CapCounterRef[], amount: number): Promise<CapReserveResult> {
    this.#open();
    return this.#inner.capReserve(refs, amount);
  }

  async capAdd(deltas: readonly CapDelta[], opId: string): Promise<CapCounterState[]> {
    this.#open();
    return this.#inner.capAdd(deltas, opId);
  }

  async capCounters(keys: readonly CapCounterKey[]): Promise<CapCounterState[]> {
    this.#open();
    return this.#inner.capCounters(keys);
  }

  // Signals go straight through: they are read by other proxies within the tick.
  putSignals?(tick: number, source: string, rows: readonly AgentSignal[]): Promise<void>;
  signals?(tick: number): Promise<AgentSignal[]>;

  async prune(beforeMs: number): Promise<void> {
    this.#open();
    return this.#exclusive(async () => {
      const beforeMinute = Math.floor(beforeMs / 60_000);
      for (const [key, d] of this.#usage) if (d.minute < beforeMinute) this.#usage.delete(key);
      this.#tasks = this.#tasks.filter((t) => t.at >= beforeMs);
      await this.#inner.prune(beforeMs);
    });
  }

  /** Write everything buffered to the inner store now; on failure the data stays buffered and the error is thrown. */
  async flush(): Promise<void> {
    this.#flushQueued = true;
    return this.#exclusive(async () => {
      this.#flushQueued = false;
      await this.#flushNow();
    });
  }

  /**
   * Stop the timer, refuse further calls (`store_closed`), flush what is buffered, close the inner store.
   * Rejects if the last flush failed (the inner store is closed anyway).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  isHealthy(): boolean {
    return this.#inner.isHealthy?.() ?? true;
  }

  onStatus(listener: StoreStatusListener): () => void {
    return this.#inner.onStatus?.(listener) ?? (() => {});
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    // Refuse writes from here on: one arriving while the final flush awaits the backend would land in a
    // buffer nobody flushes again.
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      await this.#inner.close();
    }
  }

  /** Retry the failed batch if there is one, then write what is buffered as the next batch. */
  async #flushNow(): Promise<void> {
    if (this.#retry) await this.#apply(this.#retry);
    if (this.#usage.size === 0 && this.#tasks.length === 0 && this.#agents.size === 0) return;
    const batch: WriteBatch = {
      writer: this.#writer,
      seq: ++this.#seq,
      at: this.#now(),
      usage: [...this.#usage.values()],
      tasks: this.#tasks,
      agents: [...this.#agents].map(([agent, firstSeen]) => ({ agent, firstSeen })),
    };
    this.#usage = new Map();
    this.#tasks = [];
    this.#agents = new Map();
    await this.#apply(batch);
  }

  /** Apply a batch; on failure keep it as the one to retry (never merged with newer data: its seq may have landed). */
  async #apply(batch: WriteBatch): Promise<void> {
    this.#retry = batch;
    await this.#inner.applyBatch(batch);
    this.#retry = undefined;
  }

  /** Task reports not yet in the store, oldest first. */
  #pendingTasks(): TaskOutcome[] {
    return [...(this.#retry?.tasks ?? []), ...this.#tasks];
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #capTasks(): void {
    const excess = this.#tasks.length - this.#maxPendingTasks;
    if (excess > 0) {
      this.#tasks.splice(0, excess);
      this.#droppedTasks += excess;
    }
  }

  #open(): void {
    if (this.#closed) throw new StoreClosedError(this.kind);
  }
}

function mergeUsage(into: Map<string, UsageDelta>, deltas: readonly UsageDelta[]): void {
  for (const d of deltas) {
    const key = `${d.agent}\n${d.minute}`;
    const prev = into.get(key);
    if (prev) {
      prev.demand += d.demand;
      prev.consumed += d.consumed;
    } else {
      into.set(key, { agent: d.agent, minute: d.minute, demand: d.demand, consumed: d.consumed });
    }
  }
}

function mergeAgents(into: Map<string, number>, seen: readonly AgentSeen[]): void {
  for (const s of seen) {
    const known = into.get(s.agent);
    if (known === undefined || s.firstSeen < known) into.set(s.agent, s.firstSeen);
  }
}
