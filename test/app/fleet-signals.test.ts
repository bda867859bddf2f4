import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localShares, mergeSignals, signalRows } from '../../src/app/fleet-signals.js';
import type { AgentSignal } from '../../src/store/store.js';

const row = fc.record(
  {
    agent: fc.constantFrom('a', 'b', 'c'),
    source: fc.constantFrom('p1', 'p2', 'p3'),
    priorityClass: fc.constantFrom('critical', 'high', 'normal', 'low') as fc.Arbitrary<AgentSignal['priorityClass']>,
    taskType: fc.constantFrom('x', 'y'),
    nearestDeadline: fc.integer({ min: 1, max: 1e6 }),
    blocking: fc.integer({ min: 0, max: 5 }),
    queuedDemand: fc.double({ min: 0, max: 1e6, noNaN: true }),
    partialDemand: fc.double({ min: 0, max: 1e6, noNaN: true }),
    partialConsumed: fc.double({ min: 0, max: 1e6, noNaN: true }),
  },
  { requiredKeys: ['agent', 'source', 'queuedDemand', 'partialDemand', 'partialConsumed'] },
);

describe('mergeSignals', () => {
  it('gives the same inputs whatever order the rows arrive in (bit for bit, sums included)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(row, { selector: (r) => `${r.agent}/${r.source}`, maxLength: 9 }), fc.infiniteStream(fc.nat()), (rows, seeds) => {
        const shuffled = [...rows];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = seeds.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(mergeSignals(shuffled)).toEqual(mergeSignals(rows));
      }),
      { numRuns: 200 },
    );
  });

  it('sums queues and running-minute usage, keeps the highest class, nearest deadline and most blocked', () => {
    const merged = mergeSignals([
      { agent: 'a', source: 'p1', queuedDemand: 10, partialDemand: 5, partialConsumed: 4, priorityClass: 'high', nearestDeadline: 50, blocking: 1 },
      { agent: 'a', source: 'p2', queuedDemand: 1, partialDemand: 2, partialConsumed: 1, priorityClass: 'low', nearestDeadline: 20, blocking: 3 },
    ]);
    expect(merged.queuedDemand.get('a')).toBe(11);
    expect(merged.partialUsage.get('a')).toEqual({ demand: 7, consumed: 5 });
    expect(merged.hints.get('a')).toEqual({ priorityClass: 'high', nearestDeadline: 20, blocking: 3 });
  });

  it('round-trips a proxy\'s local view through its rows', () => {
    const rows = signalRows('p1', {
      hints: new Map([['a', { priorityClass: 'critical' as const }]]),
      queuedDemand: new Map([['b', 3]]),
      partialUsage: new Map([['a', { demand: 2, consumed: 1 }]]),
    });
    const merged = mergeSignals(rows);
    expect(merged.hints).toEqual(new Map([['a', { priorityClass: 'critical' }]]));
    expect(merged.queuedDemand).toEqual(new Map([['b', 3]]));
    expect(merged.partialUsage).toEqual(new Map([['a', { demand: 2, consumed: 1 }]]));
  });
});

describe('localShares', () => {
  const sig = (agent: string, source: string, tickDemand?: number): AgentSignal => ({
    agent,
    source,
    queuedDemand: 0,
    partialDemand: 0,
    partialConsumed: 0,
    ...(tickDemand !== undefined && { tickDemand }),
  });
  const rows = [sig('spread', 'p1', 300), sig('spread', 'p2', 100), sig('solo', 'p1', 50), sig('idle', 'p2')];

  it('splits an agent served by several proxies by their demand last tick; the shares sum to 1', () => {
    expect(localShares(rows, 'p1').get('spread')).toBe(0.75);
    expect(localShares(rows, 'p2').get('spread')).toBe(0.25);
  });

  it('leaves an agent served by one proxy, or by none last tick, its whole allocation', () => {
    expect(localShares(rows, 'p1').has('solo')).toBe(false);
    expect(localShares(rows, 'p2').has('idle')).toBe(false);
    expect(localShares([], 'p1').size).toBe(0);
  });

  it('gives a proxy that saw none of a served agent\'s demand no share of it, so the shares sum to one', () => {
    expect(localShares(rows, 'p3').get('spread')).toBe(0);
    expect(localShares(rows, 'p2').get('solo')).toBe(0);
  });
});
