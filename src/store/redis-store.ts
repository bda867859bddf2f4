import { createHash } from 'node:crypto';
import { Redis, type ChainableCommander } from 'ioredis';
import { burstAvailable, nonNegative } from './burst-pool.js';
import { addToTotal, byAgent, byAgentThenSource, sortedByAgent } from './by-agent.js';
import { APPLY_WRITES, BURST_RETURN, BURST_TAKE, CAP_ADD, CAP_RESERVE } from './redis-scripts.js';
import { CAP_OP_TTL_MS, finiteAmount } from './cap-counter.js';
import { agentPolicyFrom } from './agent-policy-codec.js';
import { decodeAuditEntry } from './audit-codec.js';
import { AUDIT_ENTRIES_KEPT, type AuditEntry } from '../domain/audit.js';
import { decodeSignals } from './signal-codec.js';
import { messageOf, StoreClosedError, StoreUnavailableError } from './store-errors.js';
import { taskKey } from './task-merge.js';
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
  StoreStatus,
  StoreStatusListener,
  TaskOutcome,
  TaskRecordResult,
  UsageDelta,
  UsageTotal,
  WriteBatch,
} from './store.js';

/** A Lua script with its SHA-1, hashed once here rather than on every call. */
interface LuaScript {
  source: string;
  sha: string;
}

const SCRIPTS = {
  burstTake: luaScript(BURST_TAKE),
  burstReturn: luaScript(BURST_RETURN),
  applyWrites: luaScript(APPLY_WRITES),
  capReserve: luaScript(CAP_RESERVE),
  capAdd: luaScript(CAP_ADD),
};

/** What one run of the APPLY_WRITES script writes; everything optional. */
interface Writes {
  batch?: { writer: string; seq: number };
  usage?: readonly UsageDelta[];
  tasks?: readonly TaskOutcome[];
  agents?: readonly AgentSeen[];
  /** Drop task outcomes older than this (ms); by default `retentionMs` before the newest written. */
  taskCutMs?: number;
}

const HOUR_MS = 3_600_000;

export interface RedisStoreOptions {
  /** Prefix of every key, so several fleets (or tests) can share one Redis. Default `tn:`. */
  keyPrefix?: string;
  /** How long usage buckets and task outcomes live: the forecast reads up to a week back. Default 8 days + 1 hour. */
  retentionMs?: number;
  /** Task outcomes kept at most (the oldest are trimmed). Default 100 000. */
  maxTasks?: number;
  /** How long one tick's burst pool lives. Default 1 hour. */
  burstTtlMs?: number;
  /** How long one tick's signals live. Default 1 hour. */
  signalsTtlMs?: number;
  /**
   * How long a write-behind writer's last applied batch is remembered after its last flush: a batch retried
   * later than this (the first attempt having landed unseen) would count twice. Default 24 hours.
   */
  batchTtlMs?: number;
  /** TCP connect timeout (ms). Default 1000. */
  connectTimeoutMs?: number;
  /** A command without an answer after this long fails with `store_unavailable` (ms). Default 1000. */
  commandTimeoutMs?: number;
  /** Longest wait between reconnection attempts (ms); attempts never stop until `close()`. Default 1000. */
  maxReconnectDelayMs?: number;
  /**
   * `true` (default): `connect` rejects with `store_unavailable` when Redis cannot be reached now.
   * `false`: it resolves at once and keeps connecting in the background (start in fail-open mode).
   */
  requireConnection?: boolean;
}

/**
 * The fleet store: every sidecar of a fleet reads and writes the same Redis, so they compute the same
 * allocation table and share one burst pool. Layout (after the prefix): `u:<minute>` hash of `d:<agent>`
 * / `c:<agent>` sums, `u:idx` sorted set of minutes written, `task:out` hash of one outcome
 * per (agent, task) with `task:at` indexing it by time, `overrides` and `agents` hashes, `audit` list (newest first), `burst:<tick>`
 * and `newcomers:<tick>` balances, `cap:<period id>:<scope>` hashes of period-cap usage (`u` settled, `r` reserved;
 * expiring after the period) and `capop:<id>` marks of the additions applied, `sig:<tick>` hash of each proxy's signals (JSON),
 * `b:<writer>` the last batch each write-behind applied, `claim:<key>` one claimed event (an alert) until its TTL. Nothing queues
 * while disconnected: every call fails fast with `store_unavailable`, and `isHealthy()` / `onStatus()` say when the connection is back.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  /** `host:port/db`, for messages (never the password). */
  readonly where: string;
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #retentionMs: number;
  readonly #maxTasks: number;
  readonly #burstTtlMs: number;
  readonly #signalsTtlMs: number;
  readonly #batchTtlMs: number;
  readonly #listeners = new Set<StoreStatusListener>();
  #status: StoreStatus = 'down';
  #lastError: Error | undefined;
  #closed = false;

  private constructor(url: string, options: RedisStoreOptions) {
    this.where = describeUrl(url);
    this.#prefix = options.keyPrefix ?? 'tn:';
    this.#retentionMs = options.retentionMs ?? 8 * 24 * HOUR_MS + HOUR_MS;
    this.#maxTasks = options.maxTasks ?? 100_000;
    this.#burstTtlMs = options.burstTtlMs ?? HOUR_MS;
    this.#signalsTtlMs = options.signalsTtlMs ?? HOUR_MS;
    this.#batchTtlMs = options.batchTtlMs ?? 24 * HOUR_MS;
    const maxDelay = options.maxReconnectDelayMs ?? 1000;
    this.#client = new Redis(url, {
      lazyConnect: true,
      // Fail fast instead of queueing while down: the proxy decides to fail open or closed.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
    });
    this.#client.on('ready', () => this.#setStatus('up'));
    this.#client.on('error', (err: Error) => {
      this.#lastError = err;
    });
    this.#client.on('close', () => this.#setStatus('down'));
  }

  /** Connect to `redis://[:password@]host:port[/db]` (or `rediss://`); see `requireConnection`. */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const store = new RedisStore(url, options);
    const connecting = store.#client.connect();
    if (options.requireConnection === false) {
      connecting.catch(() => undefined);
      return store;
    }
    try {
      await connecting;
    } catch (err) {
      store.#closed = true;
      store.#client.disconnect();
      throw new StoreUnavailableError(`cannot reach Redis at ${store.where}: ${messageOf(err)}`, { cause: err });
    }
    return store;
  }

  isHealthy(): boolean {
    // ioredis stays `ready` for a moment after the peer has gone; an unwritable socket already means down.
    const stream = this.#client.stream as { writable?: boolean } | undefined;
    return !this.#closed && this.#client.status === 'ready' && stream?.writable !== false;
  }

  onStatus(listener: StoreStatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    if (deltas.length > 0) await this.#write({ usage: deltas });
  }

  async usageTotals(fromMinute: number, toMinute: number): Promise<UsageTotal[]> {
    const minutes = await this.#call(() => this.#client.zrangebyscore(this.#key('u:idx'), fromMinute, `(${toMinute}`));
    if (minutes.length === 0) return [];
    const pipe = this.#pipeline();
    for (const m of minutes) pipe.hgetall(this.#usageKey(Number(m)));
    const sums = new Map<string, UsageTotal>();
    for (const hash of await this.#exec(pipe)) {
      for (const [field, value] of Object.entries(hash as Record<string, string>)) {
        const agent = field.slice(2);
        if (field.startsWith('d:')) addToTotal(sums, agent, Number(value), 0);
        else if (field.startsWith('c:')) addToTotal(sums, agent, 0, Number(value));
      }
    }
    return sortedByAgent(sums);
  }

  async recordTasks(reports: readonly TaskOutcome[]): Promise<TaskRecordResult[]> {
    if (reports.length === 0) return [];
    return (await this.#write({ tasks: reports })).codes.map((code) => ({ duplicate: (code & 1) !== 0, replaced: (code & 2) !== 0 }));
  }

  async applyBatch(batch: WriteBatch): Promise<boolean> {
    const { writer, seq, usage, tasks, agents } = batch;
    return (await this.#write({ batch: { writer, seq }, usage, tasks, agents })).applied;
  }

  async tasksSince(sinceMs: number): Promise<TaskOutcome[]> {
    const members = await this.#call(() => this.#client.zrangebyscore(this.#key('task:at'), sinceMs, '+inf'));
    if (members.length === 0) return [];
    const values = await this.#call(() => this.#client.hmget(this.#key('task:out'), ...members));
    const out: TaskOutcome[] = [];
    members.forEach((member, i) => {
      const outcome = decodeTask(member, values[i] ?? null);
      // Trimmed between the two reads, or unreadable: left out, never guessed.
      if (outcome !== undefined && outcome.at >= sinceMs) out.push(outcome);
    });
    return out;
  }

  async setOverride(override: Override): Promise<void> {
    await this.#call(() => this.#client.hset(this.#key('overrides'), override.agent, JSON.stringify(override)));
  }

  async deleteOverride(agent: string): Promise<boolean> {
    return (await this.#call(() => this.#client.hdel(this.#key('overrides'), agent))) > 0;
  }

  async overrides(now: number): Promise<Override[]> {
    const all = await this.#call(() => this.#client.hgetall(this.#key('overrides')));
    return Object.values(all)
      .map(decodeOverride)
      .filter((o): o is Override => o !== undefined && (o.expiresAt === undefined || o.expiresAt > now))
      .sort(byAgent);
  }

  async setAgentPolicy(policy: AgentPolicy): Promise<void> {
    await this.#call(() => this.#client.hset(this.#key('policies'), policy.agent, JSON.stringify(policy)));
  }

  async deleteAgentPolicy(agent: string): Promise<boolean> {
    return (await this.#call(() => this.#client.hdel(this.#key('policies'), agent))) > 0;
  }

  async agentPolicies(): Promise<AgentPolicy[]> {
    const all = await this.#call(() => this.#client.hgetall(this.#key('policies')));
    return Object.values(all)
      .map(decodeAgentPolicy)
      .filter((p): p is AgentPolicy => p !== undefined)
      .sort(byAgent);
  }

  /** A capped list, newest at the head: one LPUSH and LTRIM in a transaction. */
  async appendAudit(entry: AuditEntry): Promise<void> {
    const key = this.#key('audit');
    const tx = this.#tx();
    tx.lpush(key, JSON.stringify(entry));
    tx.ltrim(key, 0, AUDIT_ENTRIES_KEPT - 1);
    await this.#exec(tx);
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    const n = Math.max(0, Math.floor(limit));
    if (n === 0) return [];
    const items = await this.#call(() => this.#client.lrange(this.#key('audit'), 0, n - 1));
    return items.flatMap((json) => decodeRedisAudit(json) ?? []);
  }

  async touchAgents(seen: readonly AgentSeen[]): Promise<void> {
    if (seen.length > 0) await this.#write({ agents: seen });
  }

  async agents(): Promise<AgentSeen[]> {
    const all = await this.#call(() => this.#client.hgetall(this.#key('agents')));
    return Object.entries(all)
      .map(([agent, firstSeen]) => ({ agent, firstSeen: Number(firstSeen) }))
      .sort(byAgent);
  }

  async burstTake(tick: number, capacity: number, amount: number, pool: TickPoolName = 'burst'): Promise<number> {
    const granted = await this.#script(SCRIPTS.burstTake, [this.#poolKey(pool, tick)], [
      String(nonNegative(capacity)),
      String(nonNegative(amount)),
      String(this.#burstTtlMs),
    ]);
    return Number(granted);
  }

  async burstReturn(tick: number, capacity: number, amount: number, pool: TickPoolName = 'burst'): Promise<void> {
    await this.#script(SCRIPTS.burstReturn, [this.#poolKey(pool, tick)], [
      String(nonNegative(capacity)),
      String(nonNegative(amount)),
      String(this.#burstTtlMs),
    ]);
  }

  async burstState(tick: number, capacity: number, pool: TickPoolName = 'burst'): Promise<BurstState> {
    const stored = await this.#call(() => this.#client.get(this.#poolKey(pool, tick)));
    return { tick, capacity, available: burstAvailable(stored === null ? undefined : Number(stored), capacity) };
  }

  async capReserve(refs: readonly CapCounterRef[], amount: number): Promise<CapReserveResult> {
    if (refs.length === 0) return { blocked: -1, counters: [] };
    const args = [String(Math.max(0, finiteAmount(amount)))];
    for (const r of refs) args.push(r.limit === undefined ? '' : String(r.limit), String(Math.round(r.expiresAt)));
    const [blocked, ...values] = (await this.#script(SCRIPTS.capReserve, refs.map((r) => this.#capKey(r)), args)) as string[];
    return { blocked: Number(blocked), counters: capStates(refs, values) };
  }

  async capAdd(deltas: readonly CapDelta[], opId: string): Promise<CapCounterState[]> {
    if (deltas.length === 0) return [];
    const args = [String(CAP_OP_TTL_MS), ...deltas.flatMap((d) => [String(finiteAmount(d.used)), String(finiteAmount(d.reserved)), String(Math.round(d.expiresAt))])];
    const keys = [this.#key(`capop:${opId}`), ...deltas.map((d) => this.#capKey(d))];
    const values = (await this.#script(SCRIPTS.capAdd, keys, args)) as string[];
    return capStates(deltas, values);
  }

  async capCounters(keys: readonly CapCounterKey[]): Promise<CapCounterState[]> {
    if (keys.length === 0) return [];
    const pipe = this.#pipeline();
    for (const k of keys) pipe.hmget(this.#capKey(k), 'u', 'r');
    const rows = (await this.#exec(pipe)) as Array<[string | null, string | null]>;
    return capStates(keys, rows.flatMap(([u, r]) => [u ?? '0', r ?? '0']));
  }

  async putSignals(tick: number, source: string, rows: readonly AgentSignal[]): Promise<void> {
    const key = this.#key(`sig:${tick}`);
    const tx = this.#tx();
    tx.hset(key, source, JSON.stringify(rows.map((r) => ({ ...r, source }))));
    tx.pexpire(key, this.#signalsTtlMs);
    await this.#exec(tx);
  }

  async signals(tick: number): Promise<AgentSignal[]> {
    const all = await this.#call(() => this.#client.hgetall(this.#key(`sig:${tick}`)));
    return Object.values(all).flatMap(decodeSignals).sort(byAgentThenSource);
  }

  /** `SET NX PX`: the first caller sets the key, everyone else finds it until it expires (Redis's clock). */
  async claimEvent(key: string, _now: number, ttlMs: number): Promise<boolean> {
    const set = await this.#call(() => this.#client.set(this.#key(`claim:${key}`), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
    return set === 'OK';
  }

  /** TTLs already expire old history; this also drops it on demand (and expired overrides). */
  async prune(beforeMs: number): Promise<void> {
    const index = this.#key('u:idx');
    const beforeMinute = Math.floor(beforeMs / 60_000);
    const old = await this.#call(() => this.#client.zrangebyscore(index, '-inf', `(${beforeMinute}`));
    const overrides = await this.#call(() => this.#client.hgetall(this.#key('overrides')));
    const expired = Object.values(overrides)
      .map(decodeOverride)
      .filter((o): o is Override => o !== undefined && o.expiresAt !== undefined && o.expiresAt <= beforeMs)
      .map((o) => o.agent);
    const tx = this.#tx();
    if (old.length > 0) tx.del(...old.map((m) => this.#usageKey(Number(m))));
    tx.zremrangebyscore(index, '-inf', `(${beforeMinute}`);
    if (expired.length > 0) tx.hdel(this.#key('overrides'), ...expired);
    await this.#exec(tx);
    await this.#write({ taskCutMs: beforeMs });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.status === 'ready') {
      try {
        await this.#client.quit();
        return;
      } catch {
        // Fall through: drop the connection without waiting.
      }
    }
    this.#client.disconnect();
  }

  #key(name: string): string {
    return this.#prefix + name;
  }

  #usageKey(minute: number): string {
    return this.#key(`u:${minute}`);
  }

  /** `burst:<tick>` for the burst buffer, `newcomers:<tick>` for the newcomer reserve. */
  #poolKey(pool: TickPoolName, tick: number): string {
    return this.#key(`${pool}:${tick}`);
  }

  #capKey(key: CapCounterKey): string {
    return this.#key(`cap:${key.periodId}:${key.scope}`);
  }

  #tx(): ChainableCommander {
    this.#open();
    return this.#client.multi();
  }

  #pipeline(): ChainableCommander {
    this.#open();
    return this.#client.pipeline();
  }

  /** Run a MULTI or pipeline; any failed command fails the call. */
  async #exec(chain: ChainableCommander): Promise<unknown[]> {
    const results = await this.#call(() => chain.exec());
    if (results === null) throw new StoreUnavailableError(`a Redis transaction at ${this.where} was aborted`);
    return results.map(([err, value]) => {
      if (err) throw this.#translate(err);
      return value;
    });
  }

  /** Run APPLY_WRITES (see redis-scripts.ts for its keys and arguments). */
  async #write(w: Writes): Promise<{ applied: boolean; codes: number[] }> {
    const usage = w.usage ?? [];
    const tasks = w.tasks ?? [];
    const minutes = [...new Set(usage.map((d) => d.minute))];
    const slot = new Map(minutes.map((m, i) => [m, i + 1]));
    const usageCut = minutes.length > 0 ? String(Math.max(...minutes) - Math.ceil(this.#retentionMs / 60_000)) : '';
    const taskCut = w.taskCutMs ?? (tasks.length > 0 ? Math.max(...tasks.map((t) => t.at)) - this.#retentionMs : undefined);
    const payload = JSON.stringify({
      m: minutes.map(String),
      u: usage.map((d) => [slot.get(d.minute), d.agent, String(d.demand), String(d.consumed)]),
      t: tasks.map((t) => [taskKey(t.agent, t.task), String(t.at), t.completed ? '1' : '0', String(t.quality), t.source]),
      a: (w.agents ?? []).map((a) => [a.agent, String(a.firstSeen)]),
    });
    const keys = [
      this.#key(`b:${w.batch?.writer ?? ''}`),
      this.#key('u:idx'),
      this.#key('task:at'),
      this.#key('task:out'),
      this.#key('agents'),
      ...minutes.map((m) => this.#usageKey(m)),
    ];
    const args = [
      w.batch === undefined ? '' : String(w.batch.seq),
      String(this.#batchTtlMs),
      String(this.#retentionMs),
      usageCut,
      taskCut === undefined ? '' : String(taskCut),
      String(this.#maxTasks),
      payload,
    ];
    const [applied, ...codes] = (await this.#script(SCRIPTS.applyWrites, keys, args)) as number[];
    return { applied: applied === 1, codes };
  }

  /** EVALSHA, loading the script when Redis does not know it (first use, or after a restart). */
  async #script({ source, sha }: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await this.#call(() => this.#client.evalsha(sha, keys.length, ...keys, ...args));
    } catch (err) {
      if (err instanceof StoreUnavailableError || !messageOf(err).startsWith('NOSCRIPT')) throw err;
      return this.#call(() => this.#client.eval(source, keys.length, ...keys, ...args));
    }
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    this.#open();
    try {
      return await fn();
    } catch (err) {
      throw this.#translate(err);
    }
  }

  /** Connection-level failures become `store_unavailable`; a reply error (a bug, not an outage) stays as is. */
  #translate(err: unknown): unknown {
    if (this.#closed) return new StoreClosedError(this.kind);
    if (err instanceof StoreUnavailableError) return err;
    const name = err instanceof Error ? err.name : '';
    const message = messageOf(err);
    if (name === 'ReplyError' && !/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|READONLY)/.test(message)) return err;
    const why = this.#client.status === 'ready' ? message : `${message} (connection ${this.#client.status})`;
    // Report the outage as soon as a call meets it, not only when ioredis gets round to `close`.
    if (!this.isHealthy()) this.#setStatus('down');
    return new StoreUnavailableError(`Redis at ${this.where} is unavailable: ${why}`, { cause: err });
  }

  #setStatus(status: StoreStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    const error =
      status === 'down'
        ? new StoreUnavailableError(
            `lost the connection to Redis at ${this.where}${this.#lastError ? `: ${this.#lastError.message}` : ''}`,
            { cause: this.#lastError },
          )
        : undefined;
    if (status === 'up') this.#lastError = undefined;
    for (const listener of this.#listeners) {
      try {
        listener(status, error);
      } catch {
        // A listener's failure must not break the connection's event loop.
      }
    }
  }

  #open(): void {
    if (this.#closed) throw new StoreClosedError(this.kind);
  }
}

/** An outcome as stored: `agent\ntask` in the index, `at|completed|quality|source` in the hash. */
function decodeTask(member: string, value: string | null): TaskOutcome | undefined {
  const split = member.indexOf('\n');
  const fields = value?.split('|');
  if (split < 0 || fields === undefined || fields.length !== 4) return undefined;
  const [at, completed, quality, source] = fields as [string, string, string, string];
  if (!Number.isFinite(Number(at)) || !Number.isFinite(Number(quality))) return undefined;
  return {
    agent: member.slice(0, split),
    task: member.slice(split + 1),
    at: Number(at),
    completed: completed === '1',
    quality: Number(quality),
    source: source === 'evaluator' ? 'evaluator' : 'agent',
  };
}

/** Counters from a script's flat `[u1, r1, u2, r2, …]` reply, in key order. */
function capStates(keys: readonly CapCounterKey[], values: readonly string[]): CapCounterState[] {
  return keys.map((k, i) => ({ scope: k.scope, periodId: k.periodId, used: Number(values[2 * i] ?? 0), reserved: Number(values[2 * i + 1] ?? 0) }));
}

function decodeOverride(json: string): Override | undefined {
  try {
    const v = JSON.parse(json) as Partial<Override> | null;
    if (!v || typeof v.agent !== 'string' || typeof v.tokensPerMinute !== 'number' || typeof v.setAt !== 'number') {
      return undefined;
    }
    const o: Override = { agent: v.agent, tokensPerMinute: v.tokensPerMinute, setAt: v.setAt };
    if (typeof v.expiresAt === 'number') o.expiresAt = v.expiresAt;
    if (typeof v.reason === 'string') o.reason = v.reason;
    return o;
  } catch {
    return undefined;
  }
}

function decodeRedisAudit(json: string): AuditEntry | undefined {
  try {
    const v = JSON.parse(json) as Record<string, unknown> | null;
    return v ? decodeAuditEntry({ at: v.at, action: v.action, target: v.target, detail: v.detail, client: v.client }) : undefined;
  } catch {
    return undefined;
  }
}

function decodeAgentPolicy(json: string): AgentPolicy | undefined {
  try {
    const v = JSON.parse(json) as Record<string, unknown> | null;
    if (!v || typeof v.agent !== 'string' || typeof v.setAt !== 'number') return undefined;
    return agentPolicyFrom({ agent: v.agent, setAt: v.setAt, criticality: v.criticality, ceiling: v.ceiling });
  } catch {
    return undefined;
  }
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'an unparseable URL';
  }
}

function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}
