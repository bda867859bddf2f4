import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { WriteBehindStore } from '../../src/store/write-behind.js';
import { describeStoreContract } from './contract.js';
import { tempDir } from './temp-dir.js';

const dir = tempDir('sqlite');
afterAll(() => dir.remove());
let n = 0;
const freshPath = (): string => join(dir.path, `contract-${++n}.db`);

describeStoreContract('sqlite', async () => SqliteStore.open(freshPath()));
// Nothing flushes during a test here, so every read goes through the merge of buffered and stored data.
describeStoreContract('sqlite behind write-behind (unflushed)', async () =>
  new WriteBehindStore(SqliteStore.open(freshPath()), { flushMs: 3_600_000 }),
);

describe('SqliteStore on disk', () => {
  it('opens in WAL mode at the current schema version and creates missing directories', async () => {
    const path = join(dir.path, 'a', 'b', 'c', 'tn.db');
    const store = SqliteStore.open(path);
    await store.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('keeps usage, task outcomes, overrides and first-seen across close and reopen', async () => {
    const path = join(dir.path, 'reopen.db');
    const first = SqliteStore.open(path);
    await first.addUsage([{ agent: 'a', minute: 100, demand: 5, consumed: 4 }]);
    await first.recordTasks([{ agent: 'a', task: 't', at: 1000, completed: true, quality: 0.5, source: 'agent' }]);
    await first.setOverride({ agent: 'a', tokensPerMinute: 9, setAt: 1, reason: 'pinned' });
    await first.touchAgents([{ agent: 'a', firstSeen: 7 }]);
    await first.close();
    const second = SqliteStore.open(path);
    try {
      await second.addUsage([{ agent: 'a', minute: 100, demand: 1, consumed: 1 }]);
      expect(await second.usageTotals(0, 1000)).toEqual([{ agent: 'a', demand: 6, consumed: 5 }]);
      expect(await second.tasksSince(0)).toEqual([{ agent: 'a', task: 't', at: 1000, completed: true, quality: 0.5, source: 'agent' }]);
      expect(await second.overrides(0)).toEqual([{ agent: 'a', tokensPerMinute: 9, setAt: 1, reason: 'pinned' }]);
      expect(await second.agents()).toEqual([{ agent: 'a', firstSeen: 7 }]);
    } finally {
      await second.close();
    }
  });

  it('refuses a file that is not a database with store_corrupt, naming the file, and leaves it untouched', () => {
    const path = join(dir.path, 'garbage.db');
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(path, garbage);
    expect(() => SqliteStore.open(path)).toThrowError(
      expect.objectContaining({
        code: 'store_corrupt',
        message: expect.stringMatching(/garbage\.db is unreadable \(file is not a database\)/),
      }),
    );
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('refuses a database whose pages are damaged with store_corrupt', async () => {
    const path = join(dir.path, 'damaged.db');
    const store = SqliteStore.open(path);
    await store.addUsage(Array.from({ length: 500 }, (_, i) => ({ agent: `agent-${i}`, minute: i, demand: i, consumed: i })));
    await store.close();
    // Overwrite everything after the first page (the header and schema stay readable).
    const bytes = readFileSync(path);
    bytes.fill(0xff, 4096);
    writeFileSync(path, bytes);
    expect(() => SqliteStore.open(path)).toThrowError(expect.objectContaining({ code: 'store_corrupt' }));
  });

  it('migrates repeated task reports of a version 2 file to one outcome per (agent, task): the first completed one', async () => {
    const path = join(dir.path, 'v2.db');
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path);
    for (const step of SQLITE_MIGRATIONS.slice(0, 2)) db.exec(step);
    db.pragma('user_version = 2');
    const insert = db.prepare('INSERT INTO tasks (agent, task, at, completed, quality) VALUES (?, ?, ?, ?, ?)');
    insert.run('a', 't', 1, 0, 0);
    insert.run('a', 't', 2, 1, 0.5);
    insert.run('a', 't', 3, 1, 0.9);
    insert.run('a', 'u', 4, 0, 0.1);
    insert.run('a', 'u', 5, 0, 0.2);
    db.close();
    const store = SqliteStore.open(path);
    try {
      expect(await store.tasksSince(0)).toEqual([
        { agent: 'a', task: 't', at: 2, completed: true, quality: 0.5, source: 'agent' },
        { agent: 'a', task: 'u', at: 4, completed: false, quality: 0.1, source: 'agent' },
      ]);
      expect(await store.recordTasks([{ agent: 'a', task: 't', at: 9, completed: true, quality: 1, source: 'agent' }])).toEqual([
        { duplicate: true, replaced: false },
      ]);
    } finally {
      await store.close();
    }
  });

  it('refuses a database written by a newer schema with store_schema_too_new', async () => {
    const path = join(dir.path, 'newer.db');
    await SqliteStore.open(path).close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => SqliteStore.open(path)).toThrowError(
      expect.objectContaining({ code: 'store_schema_too_new', message: expect.stringContaining('schema version 99') }),
    );
  });

  it('reports a data directory that cannot be created with store_unwritable', () => {
    const blocker = join(dir.path, 'not-a-dir');
    writeFileSync(blocker, 'x');
    expect(() => SqliteStore.open(join(blocker, 'sub', 'tn.db'))).toThrowError(
      expect.objectContaining({
        code: 'store_unwritable',
        message: expect.stringMatching(/cannot create the data directory .*not-a-dir\/sub .*ENOTDIR/),
      }),
    );
  });
});
