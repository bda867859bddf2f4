import { describe, expect, it } from 'vitest';
import { PRIORITIES } from '../../src/domain/priority.js';
import { decodeSignals } from '../../src/store/signal-codec.js';

const row = (priorityClass: unknown) => ({ agent: 'a', source: 'p', queuedDemand: 1, partialDemand: 0, partialConsumed: 0, priorityClass });

describe('decodeSignals', () => {
  it('keeps every priority class and drops anything else', () => {
    for (const p of PRIORITIES) expect(decodeSignals(JSON.stringify([row(p)]))[0]?.priorityClass).toBe(p);
    for (const bad of ['urgent', 'HIGH', '', 3, null]) {
      const [s] = decodeSignals(JSON.stringify([row(bad)]));
      expect(s).toBeDefined();
      expect(s).not.toHaveProperty('priorityClass');
    }
  });
});
