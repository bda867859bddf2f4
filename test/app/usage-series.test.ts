import { describe, expect, it } from 'vitest';
import { UsageSeries } from '../../src/app/usage-series.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { UsageDelta } from '../../src/store/store.js';
import { createLogger } from '../../src/telemetry/logger.js';

class CountingStore extends MemoryStore {
  readonly calls: UsageDelta[][] = [];
  override async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    this.calls.push([...deltas]);
    await super.addUsage(deltas);
  }
}

const MINUTE = 60_000;

describe('usage series store writes', () => {
  it('writes what many requests asked and consumed in one turn of the event loop as one store write, merged per agent and minute', async () => {
    const store = new CountingStore();
    const series = new UsageSeries(store, createLogger({ level: 'silent' }));
    const now = 100 * MINUTE;
    for (let i = 0; i < 50; i++) {
      series.asked('a', 10, now);
      series.consumed('a', 8, now);
    }
    series.asked('b', 5, now);
    series.asked('a', 1, now + MINUTE);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0]).toEqual([
      { agent: 'a', minute: 100, demand: 500, consumed: 400 },
      { agent: 'b', minute: 100, demand: 5, consumed: 0 },
      { agent: 'a', minute: 101, demand: 1, consumed: 0 },
    ]);
    // Later requests are written in a later batch.
    series.consumed('b', 3, now);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls).toHaveLength(2);
    expect(store.calls[1]).toEqual([{ agent: 'b', minute: 100, demand: 0, consumed: 3 }]);
  });
});
