import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { TaskOutcome, TaskRecordResult, UsageDelta, WriteBatch } from '../../src/store/store.js';
import { WriteBehindStore } from '../../src/store/write-behind.js';
import { describeStoreContract } from './contract.js';

describeStoreContract('memory behind write-behind (unflushed)', async () =>
  new WriteBehindStore(new MemoryStore(), { flushMs: 3_600_000 }),
);

/** A memory store whose writes can be made to fail or to wait, to exercise the buffer's edges. */
class ControlledStore extends MemoryStore {
  failWrites = false;
  /** Apply the next batches, then fail as if the answer were lost (a Redis command timing out on the client). */
  landUnseen = 0;
  readonly batchCalls: WriteBatch[] = [];
  gate: Promise<void> | undefined;
  /** Whether a gated write lands before waiting on the gate (else after). */
  landFirst = true;
  readonly usageCalls: UsageDelta[][] = [];

  override async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    if (this.failWrites) throw new Error('backend down');
    this.usageCalls.push([...deltas]);
    // Landed but not yet returned is where a double count hides; taken but not landed, a miss.
    if (this.gate && !this.landFirst) await this.gate;
    await super.addUsage(deltas);
    if (this.gate && this.landFirst) await this.gate;
  }

  override async recordTasks(reports: readonly TaskOutcome[]): Promise<TaskRecordResult[]> {
    if (this.failWrites) throw new Error('backend down');
    return super.recordTasks(reports);
  }

  override async applyBatch(batch: WriteBatch): Promise<boolean> {
    if (this.failWrites) throw new Error('backend down');
    this.batchCalls.push(batch);
    const applied = await super.applyBatch(batch);
    if (this.landUnseen > 0) {
      this.landUnseen--;
      throw new Error('timed out');
    }
    return applied;
  }
}

const task = (at: number, over: Partial<TaskOutcome> = {}): TaskOutcome => ({
  agent: 'a',
  task: `t${at}`,
  at,
  completed: true,
  quality: 1,
  source: 'agent',
  ...over,
});

describe('WriteBehindStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes an event claim straight to the inner store: two unflushed buffers on one store grant it once', async () => {
    const inner = new MemoryStore();
    const a = new WriteBehindStore(inner, { flushMs: 3_600_000 });
    const b = new WriteBehindStore(inner, { flushMs: 3_600_000 });
    try {
      expect(await a.claimEvent('alert\nthrottled\nagent:x', 1000, 60_000)).toBe(true);
      expect(await b.claimEvent('alert\nthrottled\nagent:x', 1001, 60_000)).toBe(false);
      expect(await inner.claimEvent('alert\nthrottled\nagent:x', 1002, 60_000)).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('merges deltas of the same agent and minute into one row per flush', async () => {
    const inner = new ControlledStore();
    const store = new WriteBehindStore(inner, { flushMs: 3_600_000 });
    for (let i = 0; i < 100; i++) await store.addUsage([{ agent: 'a', minute: 5, demand: 2, consumed: 1 }]);
    await store.addUsage([{ agent: 'b', minute: 5, demand: 1, consumed: 1 }]);
    await store.flush();
    expect(inner.usageCalls).toEqual([
      [
        { agent: 'a', minute: 5, demand: 200, consumed: 100 },
        { agent: 'b', minute: 5, demand: 1, consumed: 1 },
      ],
    ]);
    expect(store.pendingCount).toBe(0);
    await store.close();
  });

  it('flushes on its own every flushMs, not before', async () => {
    vi.useFakeTimers();
    const inner = new MemoryStore();
    const store = new WriteBehindStore(inner, { flushMs: 1000 });
    await store.addUsage([{ agent: 'a', minute: 1, demand: 3, consumed: 3 }]);
    await store.touchAgents([{ agent: 'a', firstSeen: 10 }]);
    await vi.advanceTimersByTimeAsync(999);
    expect(await inner.usageTotals(0, 10)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await inner.usageTotals(0, 10)).toEqual([{ agent: 'a', demand: 3, consumed: 3 }]);
    expect(await inner.agents()).toEqual([{ agent: 'a', firstSeen: 10 }]);
    await store.close();
  });

  it('flushes what is buffered on close, then closes the inner store', async () => {
    const inner = new MemoryStore();
    const calls: string[] = [];
    vi.spyOn(inner, 'applyBatch').mockImplementation(async () => (calls.push('applyBatch'), true));
    vi.spyOn(inner, 'close').mockImplementation(async () => void calls.push('close'));
    const store = new WriteBehindStore(inner, { flushMs: 3_600_000 });
    await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);
    expect(calls).toEqual([]);
    await store.close();
    expect(calls).toEqual(['applyBatch', 'close']);
    expect(store.pendingCount).toBe(0);
  });

  it('refuses a write that races close instead of buffering it where no flush will reach it', async () => {
    const inner = new ControlledStore();
    const store = new WriteBehindStore(inner, { flushMs: 3_600_000 });
    await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);
    let open!: () => void;
    inner.gate = new Promise((resolve) => (open = resolve));
    const closing = store.close();
    // The final flush is now waiting on the backend.
    await new Promise((resolve) => setImmediate(resolve));
    expect(inner.usageCalls).toHaveLength(1);
    await expect(store.addUsage([{ agent: 'a', minute: 1, demand: 2, consumed: 2 }])).rejects.toMatchObject({ code: 'store_closed' });
    await expect(store.recordTasks([task(1)])).rejects.toMatchObject({ code: 'store_closed' });
    open();
    await closing;
    expect(inner.usageCalls).toEqual([[{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]]);
    expect(store.pendingCount).toBe(0);
  });

  it('keeps a failed flush for the next one (how counts reconcile after an outage) and reports the error', async () => {
    vi.useFakeTimers();
    const inner = new ControlledStore();
    const errors: unknown[] = [];
    const store = new WriteBehindStore(inner, { flushMs: 100, onFlushError: (e) => errors.push(e) });
    inner.failWrites = true;
    await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);
    // A task report the store cannot take is held (fail-open) and the failure reported.
    expect(await store.recordTasks([task(1)])).toEqual([{ duplicate: false, replaced: false }]);
    await vi.advanceTimersByTimeAsync(300);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(String(errors[0])).toContain('backend down');
    // Writes during the outage are kept beside the failed batch.
    await store.addUsage([{ agent: 'a', minute: 1, demand: 2, consumed: 2 }]);
    await store.recordTasks([task(2)]);
    await expect(store.flush()).rejects.toThrow('backend down');
    inner.failWrites = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(await inner.usageTotals(0, 10)).toEqual([{ agent: 'a', demand: 3, consumed: 3 }]);
    expect((await inner.tasksSince(0)).map((t) => t.task)).toEqual(['t1', 't2']);
    await store.close();
  });

  for (const landFirst of [true, false]) {
    it(`neither double-counts nor misses a delta being flushed while a read runs (lands ${landFirst ? 'before' : 'after'} the wait)`, async () => {
      const inner = new ControlledStore();
      inner.landFirst = landFirst;
      const store = new WriteBehindStore(inner, { flushMs: 3_600_000 });
      await store.addUsage([{ agent: 'a', minute: 1, demand: 5, consumed: 5 }]);
      let open!: () => void;
      inner.gate = new Promise((resolve) => (open = resolve));
      const flushing = store.flush();
      const reading = store.usageTotals(0, 10);
      await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);
      // Let the read run as far as it can before the flush completes.
      await new Promise((resolve) => setImmediate(resolve));
      open();
      await flushing;
      expect(await reading).toEqual([{ agent: 'a', demand: 6, consumed: 6 }]);
      inner.gate = undefined;
      await store.close();
    });
  }

  it('merges stored and buffered data on read: sums, earliest first-seen, tasks in time order', async () => {
    const inner = new MemoryStore();
    const store = new WriteBehindStore(inner, { flushMs: 3_600_000 });
    await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);
    await store.touchAgents([{ agent: 'a', firstSeen: 50 }, { agent: 'b', firstSeen: 10 }]);
    await store.recordTasks([task(10), task(30)]);
    await store.flush();
    await store.addUsage([
      { agent: 'a', minute: 1, demand: 2, consumed: 2 },
      { agent: 'c', minute: 2, demand: 4, consumed: 0 },
    ]);
    await store.touchAgents([{ agent: 'a', firstSeen: 40 }, { agent: 'b', firstSeen: 20 }]);
    await store.recordTasks([task(20)]);
    expect(await store.usageTotals(0, 10)).toEqual([
      { agent: 'a', demand: 3, consumed: 3 },
      { agent: 'c', demand: 4, consumed: 0 },
    ]);
    expect(await store.agents()).toEqual([
      { agent: 'a', firstSeen: 40 },
      { agent: 'b', firstSeen: 10 },
    ]);
    expect((await store.tasksSince(15)).map((t) => t.at)).toEqual([20, 30]);
    await store.close();
  });

  it('drops the oldest buffered task outcomes beyond maxPendingTasks and counts them', async () => {
    const inner = new ControlledStore();
    inner.failWrites = true;
    const store = new WriteBehindStore(inner, { flushMs: 3_600_000, maxPendingTasks: 3 });
    await store.recordTasks([task(1), task(2), task(3), task(4)]);
    await store.recordTasks([task(5)]);
    expect(store.droppedTasks).toBe(2);
    inner.failWrites = false;
    await store.flush();
    expect((await inner.tasksSince(0)).map((t) => t.at)).toEqual([3, 4, 5]);
    await store.close();
  });

  it('retries a batch whose answer was lost as the same batch, so it counts once, then writes what came after', async () => {
    const inner = new ControlledStore();
    const store = new WriteBehindStore(inner, { flushMs: 3_600_000 });
    await store.addUsage([{ agent: 'a', minute: 1, demand: 5, consumed: 4 }]);
    await store.touchAgents([{ agent: 'a', firstSeen: 7 }]);
    inner.landUnseen = 1;
    await expect(store.flush()).rejects.toThrow('timed out');
    await store.addUsage([{ agent: 'a', minute: 1, demand: 1, consumed: 1 }]);
    await store.flush();
    const [first, retried, next] = inner.batchCalls;
    expect(retried).toBe(first);
    expect(next?.seq).toBe((first?.seq ?? 0) + 1);
    expect(await inner.usageTotals(0, 10)).toEqual([{ agent: 'a', demand: 6, consumed: 5 }]);
    expect(await store.usageTotals(0, 10)).toEqual([{ agent: 'a', demand: 6, consumed: 5 }]);
    expect(store.pendingCount).toBe(0);
    await store.close();
  });

  it('answers a repeat held during an outage as a duplicate, and the store counts the task once after it', async () => {
    const inner = new ControlledStore();
    const store = new WriteBehindStore(inner, { flushMs: 3_600_000 });
    await store.recordTasks([task(1, { quality: 0.5 })]);
    inner.failWrites = true;
    // Held reports are checked against each other; one the store already has is caught at the flush.
    expect(await store.recordTasks([task(2, { completed: false })])).toEqual([{ duplicate: false, replaced: false }]);
    expect(await store.recordTasks([task(2, { at: 3 }), task(2, { at: 4 })])).toEqual([
      { duplicate: false, replaced: false },
      { duplicate: true, replaced: false },
    ]);
    expect(await store.recordTasks([task(1, { at: 5 })])).toEqual([{ duplicate: false, replaced: false }]);
    expect(await store.recordTasks([task(1, { at: 6, source: 'evaluator', quality: 0.1 })])).toEqual([{ duplicate: true, replaced: true }]);
    expect((await store.tasksSince(0)).map((t) => [t.task, t.at, t.quality, t.source])).toEqual([
      ['t1', 1, 0.1, 'evaluator'],
      ['t2', 3, 1, 'agent'],
    ]);
    inner.failWrites = false;
    await store.flush();
    expect(await inner.tasksSince(0)).toEqual([task(1, { quality: 0.1, source: 'evaluator' }), task(2, { at: 3 })]);
    await store.close();
  });

  it('reports the inner store health and is healthy when the inner store has no notion of it', () => {
    const store = new WriteBehindStore(new MemoryStore());
    expect(store.isHealthy()).toBe(true);
    expect(typeof store.onStatus(() => {})).toBe('function');
    return store.close();
  });
});
