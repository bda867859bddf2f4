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
  // 2 → 3: the burst table holds every per-tick pool (burst buffer, newcomer reserve), keyed by pool name.
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
];

/** The schema version this build writes. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;
