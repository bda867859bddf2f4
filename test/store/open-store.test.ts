import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { openStore } from '../../src/store/open-store.js';
import { parseStoreSpec } from '../../src/store/store-spec.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { WriteBehindStore } from '../../src/store/write-behind.js';
import { tempDir } from './temp-dir.js';

const dir = tempDir('open-store');
afterAll(() => dir.remove());

describe('parseStoreSpec', () => {
  it.each([
    ['memory', { kind: 'memory' }],
    [' memory ', { kind: 'memory' }],
    ['sqlite:./data/token-ninja.db', { kind: 'sqlite', path: './data/token-ninja.db' }],
    ['sqlite:/var/lib/tn.db', { kind: 'sqlite', path: '/var/lib/tn.db' }],
    ['redis://localhost:6379', { kind: 'redis', url: 'redis://localhost:6379' }],
    ['redis://redis:6380/2', { kind: 'redis', url: 'redis://redis:6380/2' }],
    ['rediss://:secret@cache.internal:6380/0', { kind: 'redis', url: 'rediss://:secret@cache.internal:6380/0' }],
  ])('reads %j', (spec, expected) => {
    expect(parseStoreSpec(spec)).toEqual(expected);
  });

  it.each([
    ['', /unknown store "": expected "memory", "sqlite:PATH" or "redis:\/\/host:port\[\/db\]"/],
    ['postgres://db/x', /unknown store "postgres:\/\/db\/x"/],
    ['sqlite:', /store "sqlite:" has no file path/],
    ['Memory', /unknown store "Memory"/],
    ['redis://host:6379/cache', /names database "cache"; it must be a number/],
    ['redis://:hunter2@host:99999', /is not a valid URL/],
  ])('refuses %j with store_spec_invalid', (spec, message) => {
    expect(() => parseStoreSpec(spec)).toThrowError(expect.objectContaining({ code: 'store_spec_invalid', message: expect.stringMatching(message) }));
  });

  it('never repeats a Redis password in its error', () => {
    expect(() => parseStoreSpec('redis://:hunter2@host:99999')).toThrowError(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('openStore', () => {
  it('opens memory unbuffered', async () => {
    const store = await openStore('memory');
    expect(store).toBeInstanceOf(MemoryStore);
    expect(store.kind).toBe('memory');
    await store.close();
  });

  it('opens sqlite behind the write-behind buffer, flushing every flushMs', async () => {
    const path = join(dir.path, 'x', 'tn.db');
    const store = await openStore(`sqlite:${path}`, { flushMs: 20 });
    try {
      expect(store).toBeInstanceOf(WriteBehindStore);
      expect(store.kind).toBe('sqlite');
      expect((store as WriteBehindStore).inner).toBeInstanceOf(SqliteStore);
      await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);
      expect(await store.usageTotals(0, 2)).toEqual([{ agent: 'a', demand: 1, consumed: 1 }]);
      // Bounded wait for the timer's flush to reach the file.
      for (let i = 0; i < 200 && (store as WriteBehindStore).pendingCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect((store as WriteBehindStore).pendingCount).toBe(0);
      expect(await (store as WriteBehindStore).inner.usageTotals(0, 2)).toEqual([{ agent: 'a', demand: 1, consumed: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('opens sqlite unbuffered with writeBehind: false', async () => {
    const store = await openStore(`sqlite:${join(dir.path, 'plain.db')}`, { writeBehind: false });
    expect(store).toBeInstanceOf(SqliteStore);
    await store.close();
  });

  it('rejects an unknown spec before touching anything', async () => {
    await expect(openStore('mysql://x')).rejects.toMatchObject({ code: 'store_spec_invalid' });
  });
});
