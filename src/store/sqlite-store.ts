import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AUDIT_ENTRIES_KEPT, type AuditEntry } from '../domain/audit.js';
import { decodeAuditEntry } from './audit-codec.js';
import { byAgentThenSource } from './by-agent.js';
import { agentPolicyFrom } from './agent-policy-codec.js';
import { decodeSignals } from './signal-codec.js';
import { BURST_TICKS_KEPT, burstAvailable, burstReturn, burstTake } from './burst-pool.js';
import { capBlocked, finiteAmount } from './cap-counter.js';
import { errorCode, toStoreError, UNWRITABLE_FIX } from './sqlite-errors.js';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from './sqlite-schema.js';
import { messageOf, StoreClosedError, StoreCorruptError, StoreSchemaTooNewError, StoreUnwritableError } from './store-errors.js';
import { mergeTaskReport } from './task-merge.js';
import type {
  AgentPolicy,
  AgentSeen,
  AgentSignal,
  BurstState,
  CapCounterKey,
  CapCounterRef,
  CapCounterState,
  CapDelta,
  CapReserveResult,
  Override,
  Store,
  TaskOutcome,
  TaskRecordResult,
  TickPoolName,
  UsageDelta,
  UsageTotal,
  WriteBatch,
} from './store.js';

export interface SqliteStoreOptions {
  /** How long a write waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Clock for the open stamp written as a write probe; tests may fix it. */
  now?: () => number;
}

interface TaskRow {
  agent: string;
  task: string;
  at: number;
  completed: number;
  quality: number;
  source: string;
}
interface AgentPolicyRow {
  agent: string;
  criticality: string | null;
  ceiling: string | null;
  set_at: number;
}
interface AuditRow {
  at: number;
  action: string;
  target: string;
  detail: string;
  client: string;
}
interface OverrideRow {
  agent: string;
  tokens_per_minute: number;
  set_at: number;
  expires_at: number | null;
  reason: string | null;
}

/**
 * The embedded default store: one SQLite file in WAL mode. Calls are synchronous underneath, so wrap it
 * in a `WriteBehindStore` to keep writes off the request path (`openStore` does).
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly path: string;
  readonly #db: Database.Database;
  #closed = false;
  readonly #st: ReturnType<typeof prepare>;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#st = prepare(db);
  }

  /**
   * Open (creating the file and its directory if missing), check integrity and migrate.
   * Throws `StoreCorruptError` (`store_corrupt`), `StoreUnwritableError` (`store_unwritable`) or
   * `StoreSchemaTooNewError` (`store_schema_too_new`) with a message naming the path.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const inMemory = path === ':memory:';
    const file = inMemory ? path : resolve(path);
    if (!inMemory) checkFilesystem(file);
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
      // Also the first read of the file: garbage bytes fail here with SQLITE_NOTADB.
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a process crash loses nothing committed; only power loss may drop the last commits.
      db.pragma('synchronous = NORMAL');
      checkIntegrity(db, file);
      migrate(db, file);
      // A write probe, so a read-only file fails now rather than on the first flush.
      db.prepare('INSERT INTO meta (id, opened_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET opened_at = excluded.opened_at').run(
        (options.now ?? Date.now)(),
      );
      return new SqliteStore(file, db);
    } catch (err) {
      db?.close();
      throw toStoreError(err, file);
    }
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    this.#run(() => this.#db.transaction(() => this.#addUsage(deltas))());
  }

  async usageTotals(fromMinute: number, toMinute: number): Promise<UsageTotal[]> {
    return this.#run(() => this.#st.usageTotals.all(fromMinute, toMinute) as UsageTotal[]);
  }

  async recordTasks(reports: readonly TaskOutcome[]): Promise<TaskRecordResult[]> {
    // IMMEDIATE: two processes sharing the file cannot both read the same outcome before either writes.
    return this.#run(() => this.#db.transaction(() => this.#recordTasks(reports)).immediate());
  }

  /** One transaction: the batch's writer mark, its usage, tasks and first-seen land together or not at all. */
  async applyBatch(batch: WriteBatch): Promise<boolean> {
    return this.#run(() =>
      this.#db
        .transaction(() => {
          const last = this.#st.batchGet.get(batch.writer) as { seq: number } | undefined;
          if (last !== undefined && last.seq >= batch.seq) return false;
          this.#st.batchSet.run(batch.writer, batch.seq, batch.at);
          this.#addUsage(batch.usage);
          this.#recordTasks(batch.tasks);
          this.#touchAgents(batch.agents);
          return true;
        })
        .immediate(),
    );
  }

  async tasksSince(sinceMs: number): Promise<TaskOutcome[]> {
    return this.#run(() => (this.#st.tasksSince.all(sinceMs) as TaskRow[]).map(taskOutcome));
  }

  async setOverride(o: Override): Promise<void> {
    this.#run(() => this.#st.setOverride.run(o.agent, o.tokensPerMinute, o.setAt, o.expiresAt ?? null, o.reason ?? null));
  }

  async deleteOverride(agent: string): Promise<boolean> {
    return this.#run(() => this.#st.deleteOverride.run(agent).changes > 0);
  }

  async overrides(now: number): Promise<Override[]> {
    return this.#run(() =>
      (this.#st.overrides.all(now) as OverrideRow[]).map((r) => {
        const o: Override = { agent: r.agent, tokensPerMinute: r.tokens_per_minute, setAt: r.set_at };
        if (r.expires_at !== null) o.expiresAt = r.expires_at;
        if (r.reason !== null) o.reason = r.reason;
        return o;
      }),
    );
  }

  async setAgentPolicy(p: AgentPolicy): Promise<void> {
    this.#run(() => this.#st.setAgentPolicy.run(p.agent, p.criticality ?? null, p.ceiling ?? null, p.setAt));
  }

  async deleteAgentPolicy(agent: string): Promise<boolean> {
    return this.#run(() => this.#st.deleteAgentPolicy.run(agent).changes > 0);
  }

  async agentPolicies(): Promise<AgentPolicy[]> {
    return this.#run(() =>
      (this.#st.agentPolicies.all() as AgentPolicyRow[]).map((r) =>
        agentPolicyFrom({ agent: r.agent, criticality: r.criticality ?? undefined, ceiling: r.ceiling ?? undefined, setAt: r.set_at }),
      ),
    );
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    this.#run(() =>
      this.#db.transaction(() => {
        const { lastInsertRowid } = this.#st.auditAdd.run(e.at, e.action, e.target, JSON.stringify(e.detail), e.client);
        this.#st.auditTrim.run(Number(lastInsertRowid) - AUDIT_ENTRIES_KEPT);
      })(),
    );
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    return this.#run(() =>
      (this.#st.audit.all(Math.max(0, Math.floor(limit))) as AuditRow[]).flatMap((r) => decodeAuditEntry(r) ?? []),
    );
  }

  async touchAgents(seen: readonly AgentSeen[]): Promise<void> {
    this.#run(() => this.#db.transaction(() => this.#touchAgents(seen))());
  }

  async agents(): Promise<AgentSeen[]> {
    return this.#run(() => this.#st.agents.all() as AgentSeen[]);
  }

  async burstTake(tick: number, capacity: number, amount: number, pool: TickPoolName = 'burst'): Promise<number> {
    return this.#run(() =>
      // IMMEDIATE: two processes sharing the file cannot both read the same balance.
      this.#db
        .transaction(() => {
          const { granted, available } = burstTake(this.#poolStored(pool, tick), capacity, amount);
          this.#writePool(pool, tick, available);
          return granted;
        })
        .immediate(),
    );
  }

  async burstReturn(tick: number, capacity: number, amount: number, pool: TickPoolName = 'burst'): Promise<void> {
    this.#run(() =>
      this.#db
        .transaction(() => this.#writePool(pool, tick, burstReturn(this.#poolStored(pool, tick), capacity, amount)))
        .immediate(),
    );
  }

  async burstState(tick: number, capacity: number, pool: TickPoolName = 'burst'): Promise<BurstState> {
    return this.#run(() => ({ tick, capacity, available: burstAvailable(this.#poolStored(pool, tick), capacity) }));
  }

  async capReserve(refs: readonly CapCounterRef[], amount: number): Promise<CapReserveResult> {
    const reserved = Math.max(0, finiteAmount(amount));
    return this.#run(() =>
      // IMMEDIATE: two processes sharing the file cannot both see room under the same limit.
      this.#db
        .transaction(() => {
          const blocked = capBlocked(refs, refs.map((r) => this.#cap(r)));
          if (blocked < 0) for (const r of refs) this.#st.capAdd.run(r.scope, r.periodId, 0, reserved, r.expiresAt);
          return { blocked, counters: refs.map((r) => this.#cap(r)) };
        })
        .immediate(),
    );
  }

  async capAdd(deltas: readonly CapDelta[], opId: string): Promise<CapCounterState[]> {
    const at = Date.now();
    return this.#run(() =>
      this.#db
        .transaction(() => {
          // Applied before: the counters as they are.
          if (this.#st.capOpAdd.run(opId, at).changes === 1) for (const d of deltas) this.#st.capAdd.run(d.scope, d.periodId, finiteAmount(d.used), finiteAmount(d.reserved), d.expiresAt);
          return deltas.map((d) => this.#cap(d));
        })
        .immediate(),
    );
  }

  async capCounters(keys: readonly CapCounterKey[]): Promise<CapCounterState[]> {
    return this.#run(() => keys.map((k) => this.#cap(k)));
  }

  async putSignals(tick: number, source: string, rows: readonly AgentSignal[]): Promise<void> {
    this.#run(() =>
      this.#db.transaction(() => {
        this.#st.signalSet.run(tick, source, JSON.stringify(rows.map((r) => ({ ...r, source }))));
        this.#st.signalPrune.run(tick - BURST_TICKS_KEPT);
      })(),
    );
  }

  async signals(tick: number): Promise<AgentSignal[]> {
    return this.#run(() =>
      (this.#st.signalGet.all(tick) as { rows: string }[]).flatMap((r) => decodeSignals(r.rows)).sort(byAgentThenSource),
    );
  }

  async claimEvent(key: string, now: number, ttlMs: number): Promise<boolean> {
    // One statement: the row's lock decides between processes sharing the file.
    return this.#run(() => this.#st.claimEvent.run(key, now + ttlMs, now).changes > 0);
  }

  async prune(beforeMs: number): Promise<void> {
    this.#run(() =>
      this.#db.transaction(() => {
        this.#st.pruneUsage.run(Math.floor(beforeMs / 60_000));
        this.#st.pruneTasks.run(beforeMs);
        this.#st.pruneOverrides.run(beforeMs);
        this.#st.pruneBatches.run(beforeMs);
        this.#st.pruneClaims.run(beforeMs);
        this.#st.pruneCaps.run(beforeMs);
        this.#st.pruneCapOps.run(beforeMs);
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #addUsage(deltas: readonly UsageDelta[]): void {
    for (const d of deltas) this.#st.addUsage.run(d.minute, d.agent, d.demand, d.consumed);
  }

  #recordTasks(reports: readonly TaskOutcome[]): TaskRecordResult[] {
    return reports.map((report) => {
      const row = this.#st.taskGet.get(report.agent, report.task) as TaskRow | undefined;
      const { outcome, result } = mergeTaskReport(row && taskOutcome(row), report);
      if (outcome !== undefined) {
        this.#st.taskSet.run(outcome.agent, outcome.task, outcome.at, outcome.completed ? 1 : 0, outcome.quality, outcome.source);
      }
      return result;
    });
  }

  #touchAgents(seen: readonly AgentSeen[]): void {
    for (const s of seen) this.#st.touchAgent.run(s.agent, s.firstSeen);
  }

  #cap(key: CapCounterKey): CapCounterState {
    const row = this.#st.capGet.get(key.scope, key.periodId) as { used: number; reserved: number } | undefined;
    return { scope: key.scope, periodId: key.periodId, used: row?.used ?? 0, reserved: row?.reserved ?? 0 };
  }

  #poolStored(pool: TickPoolName, tick: number): number | undefined {
    const row = this.#st.poolGet.get(pool, tick) as { available: number } | undefined;
    return row?.available;
  }

  #writePool(pool: TickPoolName, tick: number, available: number): void {
    this.#st.poolSet.run(pool, tick, available);
    this.#st.poolPrune.run(pool, tick - BURST_TICKS_KEPT);
  }

  #run<T>(fn: () => T): T {
    if (this.#closed) throw new StoreClosedError(this.kind);
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.path);
    }
  }
}

function prepare(db: Database.Database) {
  return {
    addUsage: db.prepare(
      `INSERT INTO usage (minute, agent, demand, consumed) VALUES (?, ?, ?, ?)
       ON CONFLICT (minute, agent) DO UPDATE SET demand = demand + excluded.demand, consumed = consumed + excluded.consumed`,
    ),
    usageTotals: db.prepare(
      `SELECT agent, SUM(demand) AS demand, SUM(consumed) AS consumed FROM usage
       WHERE minute >= ? AND minute < ? GROUP BY agent ORDER BY agent`,
    ),
    taskGet: db.prepare('SELECT agent, task, at, completed, quality, source FROM tasks WHERE agent = ? AND task = ?'),
    taskSet: db.prepare(
      `INSERT INTO tasks (agent, task, at, completed, quality, source) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (agent, task) DO UPDATE SET at = excluded.at, completed = excluded.completed,
         quality = excluded.quality, source = excluded.source`,
    ),
    tasksSince: db.prepare('SELECT agent, task, at, completed, quality, source FROM tasks WHERE at >= ? ORDER BY at, id'),
    batchGet: db.prepare('SELECT seq FROM batches WHERE writer = ?'),
    batchSet: db.prepare(
      'INSERT INTO batches (writer, seq, at) VALUES (?, ?, ?) ON CONFLICT (writer) DO UPDATE SET seq = excluded.seq, at = excluded.at',
    ),
    pruneBatches: db.prepare('DELETE FROM batches WHERE at < ?'),
    claimEvent: db.prepare(
      `INSERT INTO event_claims (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE event_claims.expires_at <= ?`,
    ),
    pruneClaims: db.prepare('DELETE FROM event_claims WHERE expires_at < ?'),
    setOverride: db.prepare(
      `INSERT INTO overrides (agent, tokens_per_minute, set_at, expires_at, reason) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (agent) DO UPDATE SET tokens_per_minute = excluded.tokens_per_minute, set_at = excluded.set_at,
         expires_at = excluded.expires_at, reason = excluded.reason`,
    ),
    deleteOverride: db.prepare('DELETE FROM overrides WHERE agent = ?'),
    overrides: db.prepare(
      `SELECT agent, tokens_per_minute, set_at, expires_at, reason FROM overrides
       WHERE expires_at IS NULL OR expires_at > ? ORDER BY agent`,
    ),
    setAgentPolicy: db.prepare(
      `INSERT INTO agent_policies (agent, criticality, ceiling, set_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (agent) DO UPDATE SET criticality = excluded.criticality, ceiling = excluded.ceiling, set_at = excluded.set_at`,
    ),
    deleteAgentPolicy: db.prepare('DELETE FROM agent_policies WHERE agent = ?'),
    agentPolicies: db.prepare('SELECT agent, criticality, ceiling, set_at FROM agent_policies ORDER BY agent'),
    auditAdd: db.prepare('INSERT INTO audit (at, action, target, detail, client) VALUES (?, ?, ?, ?, ?)'),
    // Ids only grow, so the newest N are the ids above the last one minus N.
    auditTrim: db.prepare('DELETE FROM audit WHERE id <= ?'),
    audit: db.prepare('SELECT at, action, target, detail, client FROM audit ORDER BY id DESC LIMIT ?'),
    touchAgent: db.prepare(
      `INSERT INTO agents (agent, first_seen) VALUES (?, ?)
       ON CONFLICT (agent) DO UPDATE SET first_seen = MIN(first_seen, excluded.first_seen)`,
    ),
    agents: db.prepare('SELECT agent, first_seen AS firstSeen FROM agents ORDER BY agent'),
    poolGet: db.prepare('SELECT available FROM tick_pools WHERE pool = ? AND tick = ?'),
    poolSet: db.prepare(
      'INSERT INTO tick_pools (pool, tick, available) VALUES (?, ?, ?) ON CONFLICT (pool, tick) DO UPDATE SET available = excluded.available',
    ),
    poolPrune: db.prepare('DELETE FROM tick_pools WHERE pool = ? AND tick < ?'),
    signalSet: db.prepare(
      'INSERT INTO signals (tick, source, rows) VALUES (?, ?, ?) ON CONFLICT (tick, source) DO UPDATE SET rows = excluded.rows',
    ),
    signalGet: db.prepare('SELECT rows FROM signals WHERE tick = ?'),
    signalPrune: db.prepare('DELETE FROM signals WHERE tick < ?'),
    capGet: db.prepare('SELECT used, reserved FROM cap_counters WHERE scope = ? AND period_id = ?'),
    capAdd: db.prepare(
      `INSERT INTO cap_counters (scope, period_id, used, reserved, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (scope, period_id) DO UPDATE SET used = used + excluded.used, reserved = reserved + excluded.reserved,
         expires_at = MAX(expires_at, excluded.expires_at)`,
    ),
    pruneCaps: db.prepare('DELETE FROM cap_counters WHERE expires_at <= ?'),
    capOpAdd: db.prepare('INSERT INTO cap_ops (op_id, at) VALUES (?, ?) ON CONFLICT (op_id) DO NOTHING'),
    pruneCapOps: db.prepare('DELETE FROM cap_ops WHERE at < ?'),
    pruneUsage: db.prepare('DELETE FROM usage WHERE minute < ?'),
    pruneTasks: db.prepare('DELETE FROM tasks WHERE at < ?'),
    pruneOverrides: db.prepare('DELETE FROM overrides WHERE expires_at IS NOT NULL AND expires_at <= ?'),
  };
}

function taskOutcome(r: TaskRow): TaskOutcome {
  return { agent: r.agent, task: r.task, at: r.at, completed: r.completed !== 0, quality: r.quality, source: r.source === 'evaluator' ? 'evaluator' : 'agent' };
}

/** Create the directory if needed and fail early, with the path, when it or the file cannot be written. */
function checkFilesystem(file: string): void {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new StoreUnwritableError(
      `cannot create the data directory ${dir} for the SQLite store (${errorCode(err) ?? 'error'}: ${messageOf(err)}); ${UNWRITABLE_FIX}`,
      { cause: err },
    );
  }
  try {
    // The directory must be writable even when the file exists: WAL mode creates -wal and -shm beside it.
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new StoreUnwritableError(
      `the data directory ${dir} is not writable (${errorCode(err) ?? 'error'}), and the SQLite store needs to create ${file} and its WAL journal there; ${UNWRITABLE_FIX}`,
      { cause: err },
    );
  }
  if (existsSync(file)) {
    try {
      accessSync(file, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw new StoreUnwritableError(`the SQLite store ${file} is not readable and writable (${errorCode(err) ?? 'error'}); ${UNWRITABLE_FIX}`, {
        cause: err,
      });
    }
  }
}

function checkIntegrity(db: Database.Database, file: string): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
  if (problems.length > 0) {
    throw new StoreCorruptError(
      `the SQLite store ${file} failed its integrity check (${problems.slice(0, 3).join(', ')}); it was left untouched: restore a backup or move it aside to start empty`,
    );
  }
}

function migrate(db: Database.Database, file: string): void {
  // Read inside the write transaction so two processes opening a new file do not both migrate it.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new StoreSchemaTooNewError(
        `the SQLite store ${file} has schema version ${version}, newer than this Token Ninja understands (${SQLITE_SCHEMA_VERSION}); upgrade Token Ninja or use another file`,
      );
    }
    for (let v = version; v < SQLITE_SCHEMA_VERSION; v++) {
      db.exec(SQLITE_MIGRATIONS[v] ?? '');
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
