import { describe, expect, it } from 'vitest';
import { reallocatorFor } from './reallocator-fixture.js';

describe('each tick forgets the buckets of idle agents', () => {
  it('drops an agent idle past the idle time whose bucket is full, keeps a recent one', async () => {
    let now = Date.UTC(2026, 0, 5, 12);
    const { reallocator, admission } = reallocatorFor({ now: () => now }, { ledgerIdleMs: 600_000 });
    for (const agent of ['old', 'recent']) {
      if (agent === 'recent') now += 590_000;
      const granted = await admission.acquire({ agent, cost: 10 });
      expect(granted.admitted).toBe(true);
      if (granted.admitted) admission.settle(granted.reservation, 10);
    }
    expect(admission.stats().ledger.agents).toBe(2);
    now += 20_000;
    await reallocator.reallocate();
    // Neither is named by a table (their usage never reached the store): the idle one goes.
    now += 30_000;
    await reallocator.reallocate();
    expect(admission.stats().ledger.agents).toBe(1);
    // The one kept was the recent agent: idle long enough too, it goes as well.
    now += 600_000;
    await reallocator.reallocate();
    expect(admission.stats().ledger.agents).toBe(0);
  });
});
