/**
 * Durable state behind the allocation engine (DESIGN §6, issue 7). Small on purpose: the engine's
 * arithmetic lives in TypeScript; a backend only stores and sums atomically.
 * Times are unix milliseconds; usage is kept in minute buckets (`minute = floor(ms / 60000)`).
 */

import type { AuditEntry } from '../domain/audit.js';
import type { PriorityClass } from '../domain/priority.js';

/** Tokens added to one agent's minute bucket. `demand` counts what was asked (served, queued or refused, at estimated cost); `consumed` what was charged. */
export interface UsageDelta {
  agent: string;
  minute: number;
  demand: number;
  consumed: number;
}

/** Sum of an agent's usage over a window of minutes. */
export interface UsageTotal {
  agent: string;
  demand: number;
  consumed: number;
}

/** Who reported a task outcome: the agent about itself (agents' port) or an evaluator (admin port), whose word wins. */
export type TaskSource = 'agent' | 'evaluator';

/** The outcome of one (agent, task): a store keeps one per pair (DESIGN §3, §8 "task reports count once"). */
export interface TaskOutcome {
  agent: string;
  task: string;
  /** When the task was first reported completed (or first reported, while it is not). */
  at: number;
  completed: boolean;
  /** 0–1, already scaled by the configured trust where self-reported. */
  quality: number;
  source: TaskSource;
}

/** What recording one task report did (see `mergeTaskReport`). */
export interface TaskRecordResult {
  /** The (agent, task) was already reported and this report counts no new completion. */
  duplicate: boolean;
  /** An evaluator's report replaced what the agent had reported about itself. */
  replaced: boolean;
}

/**
 * One write-behind flush. `(writer, seq)` identifies it: a store applies a writer's batches at most once each,
 * in `seq` order (a retried batch whose first attempt landed unseen is a no-op). `at` is when it was made,
 * so stores can forget old writers.
 */
export interface WriteBatch {
  writer: string;
  seq: number;
  at: number;
  usage: readonly UsageDelta[];
  tasks: readonly TaskOutcome[];
  agents: readonly AgentSeen[];
}

/** A manual allocation; `tokensPerMinute` replaces the engine's figure until `expiresAt` (if any). */
export interface Override {
  agent: string;
  tokensPerMinute: number;
  setAt: number;
  expiresAt?: number;
  reason?: string;
}

/** An agent's policy set by an operator at runtime (DESIGN §8); a field left out falls back to config. */
export interface AgentPolicy {
  agent: string;
  /** The class used when the agent claims none. */
  criticality?: PriorityClass;
  /** The highest class the agent may claim. */
  ceiling?: PriorityClass;
  setAt: number;
}

export interface AgentSeen {
  agent: string;
  firstSeen: number;
}

/**
 * The per-tick pools a store keeps (same arithmetic, separate balances): the burst buffer, and the
 * newcomer reserve that agents the table does not name yet draw on (DESIGN §8).
 */
export type TickPoolName = 'burst' | 'newcomers';

export interface BurstState {
  tick: number;
  capacity: number;
  available: number;
}

/**
 * One proxy's local view of one agent at a tick boundary, shared so every proxy of a fleet feeds the engine
 * the same inputs (docs/fleet.md): its hints, the demand waiting in its queue, and its usage in the minute
 * that is still running (not yet complete in the shared buckets).
 */
export interface AgentSignal {
  agent: string;
  /** The proxy that published it (a per-process id). */
  source: string;
  priorityClass?: PriorityClass;
  taskType?: string;
  nearestDeadline?: number;
  blocking?: number;
  queuedDemand: number;
  /** Demand and consumption of the running minute, up to the tick's start. */
  partialDemand: number;
  partialConsumed: number;
  /** Demand this proxy saw during the tick that just ended: splits an agent served by several proxies. */
  tickDemand?: number;
}

/** One period-cap counter (DESIGN §9): what a scope used in one period (`day:2026-12-06`, `month:2026-12`). */
export interface CapCounterKey {
  scope: string;
  periodId: string;
}

/** A counter's state: `used` is settled charges, `reserved` what admitted requests hold until they settle (the pool's unit). */
export interface CapCounterState extends CapCounterKey {
  used: number;
  reserved: number;
}

/** A counter a reservation touches; with a `limit`, it must be under it for the reservation to land. */
export interface CapCounterRef extends CapCounterKey {
  limit?: number;
  /** Unix ms after which the store may forget the counter (past the period's end). */
  expiresAt: number;
}

/** Amounts added to a counter (either may be negative: a reservation ending). */
export interface CapDelta extends CapCounterKey {
  used: number;
  reserved: number;
  expiresAt: number;
}

/** What `capReserve` did: `blocked` is the index of the first ref at or over its limit (nothing added then), else -1. */
export interface CapReserveResult {
  blocked: number;
  /** Each ref's counter after the call, in ref order. */
  counters: CapCounterState[];
}

/** Connection state of a store backed by a server (redis); embedded stores are always `up`. */
export type StoreStatus = 'up' | 'down';

/** Told when a server-backed store loses or regains its connection; `error` says why it went down. */
export type StoreStatusListener = (status: StoreStatus, error?: Error) => void;

export interface Store {
  /** Backend name for logs and metrics: `memory`, `sqlite`, `redis`. */
  readonly kind: string;
  /** Add usage to minute buckets (additive; deltas for the same agent and minute sum). */
  addUsage(deltas: readonly UsageDelta[]): Promise<void>;
  /** Per-agent sums over minutes `[fromMinute, toMinute)`; agents with nothing in the window are omitted. */
  usageTotals(fromMinute: number, toMinute: number): Promise<UsageTotal[]>;
  /**
   * Record task reports in order, each merged into the stored outcome of its (agent, task) by
   * `mergeTaskReport`, atomically (across processes where the store is shared). One result per report.
   */
  recordTasks(reports: readonly TaskOutcome[]): Promise<TaskRecordResult[]>;
  /**
   * Apply a write-behind batch (usage, task reports, first-seen) atomically, unless this writer's batch
   * `seq` or a later one was already applied. Returns false for such a repeat (nothing changed).
   */
  applyBatch(batch: WriteBatch): Promise<boolean>;
  /** One outcome per (agent, task) with `at >= sinceMs`, oldest first. */
  tasksSince(sinceMs: number): Promise<TaskOutcome[]>;
  setOverride(override: Override): Promise<void>;
  deleteOverride(agent: string): Promise<boolean>;
  /** Overrides not expired at `now`. */
  overrides(now: number): Promise<Override[]>;
  /** Set (replace) an agent's runtime policy. */
  setAgentPolicy(policy: AgentPolicy): Promise<void>;
  /** False when the agent had no runtime policy. */
  deleteAgentPolicy(agent: string): Promise<boolean>;
  /** Every runtime policy, ordered by agent. */
  agentPolicies(): Promise<AgentPolicy[]>;
  /** Record one admin change; the store keeps the newest `AUDIT_ENTRIES_KEPT` (src/domain/audit.ts). */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Up to `limit` audit entries, newest first. */
  audit(limit: number): Promise<AuditEntry[]>;
  /** Record first-seen times; an agent already known keeps its earlier time. */
  touchAgents(seen: readonly AgentSeen[]): Promise<void>;
  agents(): Promise<AgentSeen[]>;
  /**
   * Take up to `amount` tokens from the fleet-wide pool `pool` (default the burst buffer) of `tick` (a pool
   * that starts at `capacity` the first time a tick is touched). Returns the tokens granted (0..amount),
   * atomically across processes.
   */
  burstTake(tick: number, capacity: number, amount: number, pool?: TickPoolName): Promise<number>;
  /** Give back tokens to the pool of `tick` (never above its capacity). */
  burstReturn(tick: number, capacity: number, amount: number, pool?: TickPoolName): Promise<void>;
  burstState(tick: number, capacity: number, pool?: TickPoolName): Promise<BurstState>;
  /**
   * Period caps: atomically (across processes where the store is shared), unless some ref with a limit has
   * `used + reserved >= limit`, add `amount` to the `reserved` of every ref's counter.
   */
  capReserve(refs: readonly CapCounterRef[], amount: number): Promise<CapReserveResult>;
  /**
   * Add deltas to counters atomically, at most once per `opId` (a retry of a call that failed, or landed
   * unseen, changes nothing the second time; ids are remembered at least a day). Returns each counter after,
   * in delta order.
   */
  capAdd(deltas: readonly CapDelta[], opId: string): Promise<CapCounterState[]>;
  /** Counters as stored (zero when never touched), in key order. */
  capCounters(keys: readonly CapCounterKey[]): Promise<CapCounterState[]>;
  /**
   * Publish this proxy's signals for `tick`, replacing what the same `source` published for it before.
   * Kept briefly (signals of old ticks expire). Optional: a store without it cannot run in fleet mode.
   */
  putSignals?(tick: number, source: string, rows: readonly AgentSignal[]): Promise<void>;
  /** Every source's signals for `tick`, ordered by agent, then source. */
  signals?(tick: number): Promise<AgentSignal[]>;
  /**
   * Claim a one-off event (an alert) under `key` from `now` for `ttlMs`: true for exactly one caller among
   * every process sharing the store while the claim lasts, false while an earlier claim holds. Never deferred.
   */
  claimEvent(key: string, now: number, ttlMs: number): Promise<boolean>;
  /** Drop history older than `beforeMs` (memory/sqlite; redis uses TTLs). */
  prune(beforeMs: number): Promise<void>;
  close(): Promise<void>;
  /** Write buffered deltas now (write-behind stores); absent or a no-op elsewhere. */
  flush?(): Promise<void>;
  /** Whether the backend answered the last time it was asked (redis); embedded stores omit it (always healthy). */
  isHealthy?(): boolean;
  /** Subscribe to `up`/`down` transitions of a server-backed store; returns the unsubscribe function. */
  onStatus?(listener: StoreStatusListener): () => void;
}
