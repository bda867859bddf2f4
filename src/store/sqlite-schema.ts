/**
 * The SQLite schema as ordered migrations: migration `i` takes `user_version` from `i` to `i + 1`.
 * Append only; never edit a shipped step.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE usage (
    minute   INTEGER NOT NULL,
    agent    TEXT    NOT NULL,
    demand   REAL    NOT NULL DEFAULT 0,
    consumed REAL    NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, agent)
  ) WITHOUT ROWID;
  CREATE TABLE tasks (
    id        INTEGER PRIMARY KEY,
    agent     TEXT    NOT NULL,
    task      TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    quality   REAL    NOT NULL
  );
  CREATE INDEX tasks_at ON tasks (at);
  CREATE TABLE overrides (
    agent             TEXT PRIMARY KEY,
    tokens_per_minute REAL    NOT NULL,
    set_at            INTEGER NOT NULL,
    expires_at        INTEGER,
    reason            TEXT
  );
  CREATE TABLE agents (
    agent      TEXT PRIMARY KEY,
    first_seen INTEGER NOT NULL
  );
  CREATE TABLE burst (
    tick      INTEGER PRIMARY KEY,
    available REAL NOT NULL
  );
  CREATE TABLE meta (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    opened_at INTEGER NOT NULL
  );
  `,
  // 1 → 2: per-tick signals of the proxies sharing the file (fleet mode); rows as JSON, a few ticks kept.
  `
  CREATE TABLE signals (
    tick   INTEGER NOT NULL,
    source TEXT    NOT NULL,
    rows   TEXT    NOT NULL,
    PRIMARY KEY (tick, source)
  ) WITHOUT ROWID;
  `,
  // 2 → 3: one outcome per (agent, task) (task reports count once) and who reported it; rows from before
  // are kept as the agent's, one per pair (its first completed report, else its first). `batches` holds
  // each write-behind writer's last applied flush, so a retried flush is a no-op.
  `
  ALTER TABLE tasks ADD COLUMN source TEXT NOT NULL DEFAULT 'agent';
  DELETE FROM tasks WHERE id NOT IN (
    SELECT COALESCE(MIN(CASE WHEN completed THEN id END), MIN(id)) FROM tasks GROUP BY agent, task
  );
  CREATE UNIQUE INDEX tasks_agent_task ON tasks (agent, task);
  CREATE TABLE batches (
    writer TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL,
    at     INTEGER NOT NULL
  );
  `,
  // 3 → 4: operators' runtime policy per agent (PUT /v1/agents/{id}/policy); null fields fall back to config.
  `
  CREATE TABLE agent_policies (
    agent       TEXT PRIMARY KEY,
    criticality TEXT,
    ceiling     TEXT,
    set_at      INTEGER NOT NULL
  );
  `,
  // 4 → 5: the burst table holds every per-tick pool (burst buffer, newcomer reserve), keyed by pool name.
  `
  CREATE TABLE tick_pools (
    pool      TEXT    NOT NULL,
    tick      INTEGER NOT NULL,
    available REAL    NOT NULL,
    PRIMARY KEY (pool, tick)
  ) WITHOUT ROWID;
  INSERT INTO tick_pools (pool, tick, available) SELECT 'burst', tick, available FROM burst;
  DROP TABLE burst;
  `,
  // 5 → 6: the audit trail of admin changes (GET /v1/audit); the newest entries are kept, detail as JSON.
  `
  CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL,
    client TEXT    NOT NULL
  );
  `,
  // 6 → 7 (alert claims): one row per claimed one-off event (an alert), so one process of those sharing the
  // file sends it; a claim past `expires_at` may be taken again.
  `
  CREATE TABLE event_claims (
    key        TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 7 → 8 (period caps): usage toward each cap scope per UTC period, kept until `expires_at` (past the period's end);
  // `cap_ops` remembers applied additions so a retried one counts once.
  `
  CREATE TABLE cap_counters (
    scope      TEXT    NOT NULL,
    period_id  TEXT    NOT NULL,
    used       REAL    NOT NULL DEFAULT 0,
    reserved   REAL    NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, period_id)
  ) WITHOUT ROWID;
  CREATE TABLE cap_ops (
    op_id TEXT    PRIMARY KEY,
    at    INTEGER NOT NULL
  );
  `,
];

/** The schema version this build writes. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;
