import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { compileStoreForChild, fixture } from './fixtures/compile-store.js';
import { tempDir } from './temp-dir.js';

const dir = tempDir('durability');
let compiled: { dir: string; remove: () => void };
beforeAll(() => {
  compiled = compileStoreForChild();
  // The unprivileged child of the read-only test must be able to walk into it.
  chmodSync(dir.path, 0o755);
});
afterAll(() => {
  compiled?.remove();
  dir.remove();
});

/** Run `open-store-child.mjs`, as an unprivileged user when we are root (root ignores permissions). */
function openInChild(spec: string): Promise<{ ok: boolean; code?: string; message?: string }> {
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const child = spawn(process.execPath, [fixture('open-store-child.mjs'), compiled.dir, spec], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...asNobody,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as { ok: boolean; code?: string; message?: string });
      } catch {
        reject(new Error(`child exited ${code} without a result: ${out}${err}`));
      }
    });
  });
}

describe('SQLite durability through openStore (write-behind)', () => {
  it('keeps everything across close and reopen: close flushes the buffer', async () => {
    const path = join(dir.path, 'restart.db');
    const first = await openStore(`sqlite:${path}`, { flushMs: 3_600_000 });
    await first.addUsage([{ agent: 'a', minute: 10, demand: 7, consumed: 5 }]);
    await first.recordTasks([{ agent: 'a', task: 'x', at: 50, completed: true, quality: 0.9, source: 'agent' }]);
    await first.setOverride({ agent: 'a', tokensPerMinute: 99, setAt: 1, expiresAt: 10_000 });
    await first.touchAgents([{ agent: 'a', firstSeen: 3 }]);
    await first.close();
    const second = await openStore(`sqlite:${path}`);
    try {
      expect(await second.usageTotals(0, 100)).toEqual([{ agent: 'a', demand: 7, consumed: 5 }]);
      expect(await second.tasksSince(0)).toEqual([{ agent: 'a', task: 'x', at: 50, completed: true, quality: 0.9, source: 'agent' }]);
      expect(await second.overrides(0)).toEqual([{ agent: 'a', tokensPerMinute: 99, setAt: 1, expiresAt: 10_000 }]);
      expect(await second.agents()).toEqual([{ agent: 'a', firstSeen: 3 }]);
    } finally {
      await second.close();
    }
  });

  it('survives kill -9: a reopened store has every write up to the last flush, and passes its integrity check', async () => {
    const path = join(dir.path, 'killed.db');
    const child = spawn(process.execPath, [fixture('kill9-writer.mjs'), compiled.dir, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const lastFlushed = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const reports = [...buffered.matchAll(/flushed (\d+)\n/g)];
        const last = Number(reports.at(-1)?.[1] ?? 0);
        // Kill well into the run, while it keeps writing.
        if (last >= 300) {
          child.kill('SIGKILL');
          resolve(last);
        }
      });
      child.once('exit', (code) => reject(new Error(`writer exited (${code}) before it was killed: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const store = SqliteStore.open(path);
    try {
      const [usage] = await store.usageTotals(29_000_000, 29_000_007);
      expect(usage?.demand).toBeGreaterThanOrEqual(lastFlushed);
      expect(usage?.consumed).toBe((usage?.demand ?? 0) * 2);
      const tasks = await store.tasksSince(0);
      expect(tasks.length).toBeGreaterThanOrEqual(lastFlushed);
      // Nothing lost in the middle: task times are 1..n without a gap.
      expect(tasks.map((t) => t.at)).toEqual(Array.from({ length: tasks.length }, (_, i) => i + 1));
      expect(await store.overrides(0)).toEqual([{ agent: 'a', tokensPerMinute: 123, setAt: 1 }]);
      expect(await store.agents()).toEqual([{ agent: 'a', firstSeen: 1 }]);
    } finally {
      await store.close();
    }
  });
});

describe('SQLite startup errors', () => {
  it('reports a read-only data directory with store_unwritable, naming it', async () => {
    const ro = join(dir.path, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const result = await openInChild(`sqlite:${join(ro, 'tn.db')}`);
    expect(result).toMatchObject({
      ok: false,
      code: 'store_unwritable',
      message: expect.stringMatching(/the data directory .*read-only is not writable \(EACCES\)/),
    });
  });

  it('reports an existing database in a directory made read-only with store_unwritable', async () => {
    const ro = join(dir.path, 'read-only-later');
    mkdirSync(ro);
    chmodSync(ro, 0o777);
    const path = join(ro, 'tn.db');
    await (await openStore(`sqlite:${path}`)).close();
    chmodSync(path, 0o666);
    chmodSync(ro, 0o555);
    const result = await openInChild(`sqlite:${path}`);
    expect(result).toMatchObject({ ok: false, code: 'store_unwritable' });
  });

  it('reports a read-only database file with store_unwritable', async () => {
    const rw = join(dir.path, 'rw');
    mkdirSync(rw);
    chmodSync(rw, 0o777);
    const path = join(rw, 'tn.db');
    await (await openStore(`sqlite:${path}`)).close();
    chmodSync(path, 0o444);
    const result = await openInChild(`sqlite:${path}`);
    expect(result).toMatchObject({
      ok: false,
      code: 'store_unwritable',
      message: expect.stringContaining('is not readable and writable'),
    });
  });

  it('reports garbage in the database file with store_corrupt from a plain node process too', async () => {
    const rw = join(dir.path, 'garbage-child');
    mkdirSync(rw);
    chmodSync(rw, 0o777);
    const path = join(rw, 'tn.db');
    writeFileSync(path, Buffer.alloc(4096, 0x42));
    chmodSync(path, 0o666);
    const result = await openInChild(`sqlite:${path}`);
    expect(result).toMatchObject({ ok: false, code: 'store_corrupt', message: expect.stringContaining('file is not a database') });
  });
});
