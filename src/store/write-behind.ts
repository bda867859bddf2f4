import { addToTotal, byAgent, sortedByAgent } from './by-agent.js';
import { StoreClosedError } from './store-errors.js';
import type {
  AgentSeen,
  AgentSignal,
  BurstState,
  TickPoolName,
  Override,
  Store,
  StoreStatusListener,
  TaskOutcome,
  UsageDelta,
  UsageTotal,
} from './store.js';

export interface WriteBehindOptions {
  /** How often buffered writes reach the inner store (ms); also the most a crash can lose. Default 1000. */
  flushMs?: number;
  /** Task outcomes kept while the inner store keeps failing; the oldest beyond this are dropped. Default 100 000. */
  maxPendingTasks?: number;
  /** Told about each failed background flush (the data is kept and retried on the next one). */
  onFlushError?: (err: unknown) => void;
}

/**
 * Buffers the hot-path writes (usage, task outcomes, first-seen) in memory and writes them to the inner
 * store every `flushMs` and on close, merging deltas of the same agent and minute. Reads add the
 * unflushed part, so a caller always sees its own writes. A failed flush keeps its data for the next
 * one, which is how local counts reconcile into Redis after an outage. Overrides and the burst pool go
 * straight through: they are rare, or must be atomic across processes.
 */
export class WriteBehindStore implements Store {
  readonly kind: string;
  readonly #inner: Store;
  readonly #maxPendingTasks: number;
  readonly #onFlushError: (err: unknown) => void;
  #usage = new Map<string, UsageDelta>();
  #tasks: TaskOutcome[] = [];
  #agents = new Map<string, number>();
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

  /** Deltas waiting for the next flush (usage buckets + task outcomes + first-seen entries). */
  get pendingCount(): number {
    return this.#usage.size + this.#tasks.length + this.#agents.size;
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    this.#open();
    mergeUsage(this.#usage, deltas);
  }

  async addTasks(outcomes: readonly TaskOutcome[]): Promise<void> {
    this.#open();
    for (const o of outcomes) this.#tasks.push({ ...o });
    this.#capTasks();
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
      for (const d of this.#usage.values()) {
        if (d.minute >= fromMinute && d.minute < toMinute) addToTotal(sums, d.agent, d.demand, d.consumed);
      }
      return sortedByAgent(sums);
    });
  }

  async tasksSince(sinceMs: number): Promise<TaskOutcome[]> {
    this.#open();
    return this.#exclusive(async () => {
      const stored = await this.#inner.tasksSince(sinceMs);
      const pending = this.#tasks.filter((t) => t.at >= sinceMs).map((t) => ({ ...t }));
      // Stable: stored outcomes first among equal times, as they were written first.
      return [...stored, ...pending].sort((a, b) => a.at - b.at);
    });
  }

  async agents(): Promise<AgentSeen[]> {
    this.#open();
    return this.#exclusive(async () => {
      const merged = new Map((await this.#inner.agents()).map((a) => [a.agent, a.firstSeen]));
      mergeAgents(merged, [...this.#agents].map(([agent, firstSeen]) => ({ agent, firstSeen })));
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

  async #flushNow(): Promise<void> {
    const errors: unknown[] = [];
    if (this.#agents.size > 0) {
      // First-seen goes before usage so a reader never sees usage of an agent it does not know.
      const agents = this.#agents;
      this.#agents = new Map();
      try {
        await this.#inner.touchAgents([...agents].map(([agent, firstSeen]) => ({ agent, firstSeen })));
      } catch (err) {
        mergeAgents(this.#agents, [...agents].map(([agent, firstSeen]) => ({ agent, firstSeen })));
        errors.push(err);
      }
    }
    if (this.#usage.size > 0) {
      const usage = this.#usage;
      this.#usage = new Map();
      try {
        await this.#inner.addUsage([...usage.values()]);
      } catch (err) {
        mergeUsage(this.#usage, [...usage.values()]);
        errors.push(err);
      }
    }
    if (this.#tasks.length > 0) {
      const tasks = this.#tasks;
      this.#tasks = [];
      try {
        await this.#inner.addTasks(tasks);
      } catch (err) {
        this.#tasks = [...tasks, ...this.#tasks];
        this.#capTasks();
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
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
