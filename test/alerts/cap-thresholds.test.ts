import { describe, expect, it } from 'vitest';
import { CapThresholds, type CapObservation } from '../../src/alerts/cap-thresholds.js';

const at = Date.UTC(2026, 11, 6, 12);
const obs = (used: number, periodId = '2026-12-06', scope = 'fleet'): CapObservation => ({ scope, period: 'day', periodId, used, limit: 1000, at });

describe('cap thresholds crossed', () => {
  it('reports each threshold once as usage climbs past it', () => {
    const caps = new CapThresholds([0.8, 0.95, 1]);
    expect(caps.crossed(obs(500))).toEqual([]);
    expect(caps.crossed(obs(800))).toEqual([0.8]);
    expect(caps.crossed(obs(900))).toEqual([]);
    expect(caps.crossed(obs(960))).toEqual([0.95]);
    expect(caps.crossed(obs(1000))).toEqual([1]);
    expect(caps.crossed(obs(5000))).toEqual([]);
  });

  it('reports every threshold a single jump crosses', () => {
    const caps = new CapThresholds([0.8, 0.95, 1]);
    expect(caps.crossed(obs(100))).toEqual([]);
    expect(caps.crossed(obs(1200))).toEqual([0.8, 0.95, 1]);
  });

  it('does not re-arm a threshold when a later reading is lower within the period', () => {
    const caps = new CapThresholds([0.8]);
    expect(caps.crossed(obs(850))).toEqual([0.8]);
    expect(caps.crossed(obs(700))).toEqual([]);
    expect(caps.crossed(obs(900))).toEqual([]);
  });

  it('starts afresh in a new period, and keeps scopes and periods apart', () => {
    const caps = new CapThresholds([0.8, 1]);
    expect(caps.crossed(obs(900))).toEqual([0.8]);
    expect(caps.crossed(obs(900, '2026-12-07'))).toEqual([0.8]);
    expect(caps.crossed(obs(900, '2026-12-07', 'team:search'))).toEqual([0.8]);
    expect(caps.crossed({ ...obs(900), period: 'month', periodId: '2026-12' })).toEqual([0.8]);
    expect(caps.crossed(obs(1000, '2026-12-07'))).toEqual([1]);
  });

  it('ignores a cap without a positive limit', () => {
    const caps = new CapThresholds([0.8]);
    expect(caps.crossed({ ...obs(10), limit: 0 })).toEqual([]);
  });
});
