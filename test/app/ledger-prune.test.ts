import { HistoryRecorder } from '../../src/admin/history.js';
import { describe, expect, it } from 'vitest';
import { HintBoard } from '../../src/app/hint-board.js';
import { policyFromConfig } from '../../src/app/proxy-app.js';
import { Reallocator } from '../../src/app/reallocator.js';
import { Admission } from '../../src/budget/admission.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { configFor } from '../e2e/harness.js';

describe('each tick forgets the buckets of idle agents', () => {
  it('drops an agent idle past the idle time whose bucket is full, keeps a recent one', async () => {
    let now = Date.UTC(2026, 0, 5, 12);
    const config = configFor('http://127.0.0.1:9', { reallocateSeconds: 30 });
    const admission = new Admission({ tickMs: 30_000, baselineAllocation: 1000, clock: { now: () => now } });
    const reallocator = new Reallocator({
    history: new HistoryRecorder({ tickSeconds: 30 }),
      store: new MemoryStore(),
      policy: policyFromConfig(config),
      admission,
      metrics: new Metrics({ maxAgentLabels: 10, tickSeconds: 30 }),
      logger: createLogger({ level: 'silent' }),
      hints: new HintBoard(),
      queuedDemand: () => new Map(),
      takeActivity: () => ({ consumed: new Map(), throttled: new Map() }),
      now: () => now,
      ledgerIdleMs: 600_000,
    });
    for (const agent of ['old', 'recent']) {
      if (agent === 'recent') now += 590_000;
      const granted = await admission.acquire({ agent, cost: 10 });
      expect(granted.admitted).toBe(true);
      if (granted.admitted) admission.settle(granted.reservation, 10);
    }
    expect(admission.stats().ledger.agents).toBe(2);
    now += 20_000;
    await reallocator.reallocate();
    // The new table raised the baseline: the buckets refill to it within a tick, then the idle one goes.
    now += 30_000;
    await reallocator.reallocate();
    expect(admission.stats().ledger.agents).toBe(1);
    // The one kept was the recent agent: idle long enough too, it goes as well.
    now += 600_000;
    await reallocator.reallocate();
    expect(admission.stats().ledger.agents).toBe(0);
  });
});
