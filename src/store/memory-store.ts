import { AUDIT_ENTRIES_KEPT, type AuditEntry } from '../domain/audit.js';
import { addToTotal, byAgent, byAgentThenSource, sortedByAgent } from './by-agent.js';
import { BURST_TICKS_KEPT, burstAvailable, burstReturn, burstTake } from './burst-pool.js';
import { capBlocked, capKey, finiteAmount } from './cap-counter.js';
import { StoreClosedError } from './store-errors.js';
import { mergeTaskReports, outcomesSince } from './task-merge.js';
import type { AgentPolicy, AgentSeen, AgentSignal, BurstState, CapCounterKey, CapCounterRef, CapCounterState, CapDelta, CapReserveResult, Override, Store, TaskOutcome, TaskRecordResult, TickPoolName, UsageDelta, UsageTotal, WriteBatch } from './store.js';

interface Bucket {
  demand: number;
  consumed: number;
}

/** Process-local store (tests, the demo, and `TOKEN_NINJA_STORE=memory`); nothing survives a restart. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  /** minute → agent → bucket, so a window scan touches only its own minutes. */
  readonly #usage = new Map<number, Map<string, Bucket>>();
  /** One outcome per (agent, task), keyed by `taskKey`. */
  readonly #tasks = new Map<string, TaskOutcome>();
  /** The last batch seq applied per writer. */
  readonly #batches = new Map<string, number>();
  readonly #overrides = new Map<string, Override>();
  readonly #policies = new Map<string, AgentPolicy>();
  readonly #agents = new Map<string, number>();
  /** Oldest first. */
  #audit: AuditEntry[] = [];
  /** Balance per pool and tick. */
  readonly #pools = new Map<TickPoolName, Map<number, number>>();
  /** Period-cap counters by `capKey`. */
  readonly #caps = new Map<string, CapCounterState & { expiresAt: number }>();
  /** `capAdd` op ids applied, with when (dropped by prune). */
  readonly #capOps = new Map<string, number>();
  /** tick → source → rows. */
  readonly #signals = new Map<number, Map<string, AgentSignal[]>>();
  /** Claimed event key → when the claim ends. */
  readonly #claims = new Map<string, number>();
  #closed = false;

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    this.#open();
    for (const d of deltas) {
      let minute = this.#usage.get(d.minute);
      if (!minute) this.#usage.set(d.minute, (minute = new Map()));
      const bucket = minute.get(d.agent);
      if (bucket) {
        bucket.demand += d.demand;
        bucket.consumed += d.consumed;
      } else {
        minute.set(d.agent, { demand: d.demand, consumed: d.consumed });
      }
    }
  }

  async usageTotals(fromMinute: number, toMinute: number): Promise<UsageTotal[]> {
    this.#open();
    const sums = new Map<string, UsageTotal>();
    for (const agents of this.#minutesIn(fromMinute, toMinute)) {
      for (const [agent, b] of agents) addToTotal(sums, agent, b.demand, b.consumed);
    }
    return sortedByAgent(sums);
  }

  /** The buckets of minutes `[from, to)`: a window is usually an hour of eight days kept, so looked up, not scanned. */
  *#minutesIn(from: number, to: number): Iterable<Map<string, Bucket>> {
    if (to - from <= this.#usage.size) {
      for (let m = from; m < to; m++) {
        const agents = this.#usage.get(m);
        if (agents) yield agents;
      }
    } else {
      for (const [m, agents] of this.#usage) if (m >= from && m < to) yield agents;
    }
  }

  async recordTasks(reports: readonly TaskOutcome[]): Promise<TaskRecordResult[]> {
    this.#open();
    return mergeTaskReports(this.#tasks, reports);
  }

  async applyBatch(batch: WriteBatch): Promise<boolean> {
    this.#open();
    if ((this.#batches.get(batch.writer) ?? -Infinity) >= batch.seq) return false;
    this.#batches.set(batch.writer, batch.seq);
    await this.addUsage(batch.usage);
    await this.recordTasks(batch.tasks);
    await this.touchAgents(batch.agents);
    return true;
  }

  async tasksSince(sinceMs: number): Promise<TaskOutcome[]> {
    this.#open();
    return outcomesSince(this.#tasks.values(), sinceMs);
  }

  async setOverride(override: Override): Promise<void> {
    this.#open();
    this.#overrides.set(override.agent, { ...override });
  }

  async deleteOverride(agent: string): Promise<boolean> {
    this.#open();
    return this.#overrides.delete(agent);
  }

  async overrides(now: number): Promise<Override[]> {
    this.#open();
    return [...this.#overrides.values()]
      .filter((o) => o.expiresAt === undefined || o.expiresAt > now)
      .map((o) => ({ ...o }))
      .sort(byAgent);
  }

  async setAgentPolicy(policy: AgentPolicy): Promise<void> {
    this.#open();
    this.#policies.set(policy.agent, { ...policy });
  }

  async deleteAgentPolicy(agent: string): Promise<boolean> {
    this.#open();
    return this.#policies.delete(agent);
  }

  async agentPolicies(): Promise<AgentPolicy[]> {
    this.#open();
    return [...this.#policies.values()].map((p) => ({ ...p })).sort(byAgent);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.#open();
    this.#audit.push(structuredClone(entry));
    if (this.#audit.length > AUDIT_ENTRIES_KEPT) this.#audit = this.#audit.slice(-AUDIT_ENTRIES_KEPT);
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    this.#open();
    const n = Math.min(Math.max(0, Math.floor(limit)), this.#audit.length);
    return this.#audit.slice(this.#audit.length - n).reverse().map((e) => structuredClone(e));
  }

  async touchAgents(seen: readonly AgentSeen[]): Promise<void> {
    this.#open();
    for (const s of seen) {
      const known = this.#agents.get(s.agent);
      if (known === undefined || s.firstSeen < known) this.#agents.set(s.agent, s.firstSeen);
    }
  }

  async agents(): Promise<AgentSeen[]> {
    this.#open();
    return [...this.#agents].map(([agent, firstSeen]) => ({ agent, firstSeen })).sort(byAgent);
  }

  async burstTake(tick: number, capacity: number, amount: number, pool: TickPoolName = 'burst'): Promise<number> {
    this.#open();
    const { granted, available } = burstTake(this.#pool(pool).get(tick), capacity, amount);
    this.#setPool(pool, tick, available);
    return granted;
  }

  async burstReturn(tick: number, capacity: number, amount: number, pool: TickPoolName = 'burst'): Promise<void> {
    this.#open();
    this.#setPool(pool, tick, burstReturn(this.#pool(pool).get(tick), capacity, amount));
  }

  async burstState(tick: number, capacity: number, pool: TickPoolName = 'burst'): Promise<BurstState> {
    this.#open();
    return { tick, capacity, available: burstAvailable(this.#pool(pool).get(tick), capacity) };
  }

  async capReserve(refs: readonly CapCounterRef[], amount: number): Promise<CapReserveResult> {
    this.#open();
    const blocked = capBlocked(refs, refs.map((r) => this.#cap(r)));
    if (blocked < 0) for (const r of refs) this.#capAdd({ ...r, used: 0, reserved: Math.max(0, finiteAmount(amount)) });
    return { blocked, counters: refs.map((r) => this.#cap(r)) };
  }

  async capAdd(deltas: readonly CapDelta[], opId: string): Promise<CapCounterState[]> {
    this.#open();
    if (!this.#capOps.has(opId)) {
      this.#capOps.set(opId, Date.now());
      for (const d of deltas) this.#capAdd(d);
    }
    return deltas.map((d) => this.#cap(d));
  }

  async capCounters(keys: readonly CapCounterKey[]): Promise<CapCounterState[]> {
    this.#open();
    return keys.map((k) => this.#cap(k));
  }

  async putSignals(tick: number, source: string, rows: readonly AgentSignal[]): Promise<void> {
    this.#open();
    let bySource = this.#signals.get(tick);
    if (!bySource) this.#signals.set(tick, (bySource = new Map()));
    bySource.set(source, rows.map((r) => ({ ...r, source })));
    if (this.#signals.size > BURST_TICKS_KEPT) this.#signals.delete(Math.min(...this.#signals.keys()));
  }

  async signals(tick: number): Promise<AgentSignal[]> {
    this.#open();
    const bySource = this.#signals.get(tick);
    if (!bySource) return [];
    return [...bySource.values()].flat().map((r) => ({ ...r })).sort(byAgentThenSource);
  }

  async claimEvent(key: string, now: number, ttlMs: number): Promise<boolean> {
    this.#open();
    if ((this.#claims.get(key) ?? -Infinity) > now) return false;
    this.#claims.set(key, now + ttlMs);
    return true;
  }

  async prune(beforeMs: number): Promise<void> {
    this.#open();
    for (const [key, until] of this.#claims) if (until < beforeMs) this.#claims.delete(key);
    const beforeMinute = Math.floor(beforeMs / 60_000);
    for (const minute of this.#usage.keys()) if (minute < beforeMinute) this.#usage.delete(minute);
    for (const [key, t] of this.#tasks) if (t.at < beforeMs) this.#tasks.delete(key);
    for (const [agent, o] of this.#overrides) {
      if (o.expiresAt !== undefined && o.expiresAt <= beforeMs) this.#overrides.delete(agent);
    }
    for (const [key, c] of this.#caps) if (c.expiresAt <= beforeMs) this.#caps.delete(key);
    for (const [op, at] of this.#capOps) if (at < beforeMs) this.#capOps.delete(op);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #cap(key: CapCounterKey): CapCounterState {
    const c = this.#caps.get(capKey(key));
    return { scope: key.scope, periodId: key.periodId, used: c?.used ?? 0, reserved: c?.reserved ?? 0 };
  }

  #capAdd(d: CapDelta): void {
    const c = this.#cap(d);
    const expiresAt = Math.max(d.expiresAt, this.#caps.get(capKey(d))?.expiresAt ?? 0);
    this.#caps.set(capKey(d), { ...c, used: c.used + finiteAmount(d.used), reserved: c.reserved + finiteAmount(d.reserved), expiresAt });
  }

  #pool(pool: TickPoolName): Map<number, number> {
    let ticks = this.#pools.get(pool);
    if (!ticks) this.#pools.set(pool, (ticks = new Map()));
    return ticks;
  }

  #setPool(pool: TickPoolName, tick: number, available: number): void {
    const ticks = this.#pool(pool);
    ticks.set(tick, available);
    if (ticks.size > BURST_TICKS_KEPT) ticks.delete(Math.min(...ticks.keys()));
  }

  #open(): void {
    if (this.#closed) throw new StoreClosedError(this.kind);
  }
}
