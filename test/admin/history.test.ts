import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../src/admin/backend.js';
import { HistoryRecorder } from '../../src/admin/history.js';

function point(tick: number, agents: Record<string, number>): HistoryPoint {
  return {
    at: new Date(tick * 30_000).toISOString(),
    tick,
    burstAvailable: 1,
    burstCapacity: 2,
    throttled: 0,
    agents: Object.fromEntries(
      Object.entries(agents).map(([a, allocation]) => [a, { allocation, usage: allocation / 2, productivity: null }]),
    ),
  };
}

describe('HistoryRecorder', () => {
  it('keeps the last `capacity` ticks, oldest first', () => {
    const h = new HistoryRecorder({ tickSeconds: 30, capacity: 3 });
    for (let t = 1; t <= 5; t++) h.record(point(t, { a: t }));
    expect(h.view().points.map((p) => p.tick)).toEqual([3, 4, 5]);
    expect(h.view().tickSeconds).toBe(30);
  });

  it('replaces the point of the same tick', () => {
    const h = new HistoryRecorder({ tickSeconds: 30 });
    h.record(point(1, { a: 1 }));
    h.record(point(1, { a: 9 }));
    expect(h.view().points).toHaveLength(1);
    expect(h.view().points[0]?.agents.a?.allocation).toBe(9);
  });

  it('bounds agents per point by allocation', () => {
    const h = new HistoryRecorder({ tickSeconds: 30, maxAgentsPerPoint: 2 });
    h.record(point(1, { small: 1, big: 100, mid: 50 }));
    expect(Object.keys(h.view().points[0]?.agents ?? {}).sort()).toEqual(['big', 'mid']);
  });

  it("gives one agent's samples", () => {
    const h = new HistoryRecorder({ tickSeconds: 30 });
    h.record(point(1, { a: 10 }));
    h.record(point(2, { b: 5 }));
    h.record(point(3, { a: 20 }));
    expect(h.agentSamples('a').map((s) => [s.tick, s.allocation, s.usage, s.throttled])).toEqual([
      [1, 10, 5, 0],
      [3, 20, 10, 0],
    ]);
    expect(h.agentSamples('nobody')).toEqual([]);
  });
});
