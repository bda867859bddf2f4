import { describe, expect, it } from 'vitest';
import { RecentOutput } from '../../src/tokens/recent-output.js';

describe('RecentOutput', () => {
  it('p90 over the last N outputs per agent and model', () => {
    const r = new RecentOutput({ window: 10, percentile: 90 });
    expect(r.get('a', 'm')).toBeUndefined();
    for (let i = 1; i <= 10; i++) r.record('a', 'm', i * 100);
    expect(r.get('a', 'm')).toBe(900);
    for (let i = 0; i < 10; i++) r.record('a', 'm', 5);
    expect(r.get('a', 'm')).toBe(5);
    expect(r.get('a', 'other')).toBeUndefined();
    expect(r.get('b', 'm')).toBeUndefined();
  });
  it('bounded keys: least recently used pairs are forgotten', () => {
    const r = new RecentOutput({ maxKeys: 2 });
    r.record('a', 'm', 1);
    r.record('b', 'm', 2);
    r.record('c', 'm', 3);
    expect(r.get('a', 'm')).toBeUndefined();
    expect(r.get('c', 'm')).toBe(3);
  });
  it('ignores invalid values', () => {
    const r = new RecentOutput();
    r.record('a', 'm', Number.NaN);
    r.record('a', 'm', -1);
    expect(r.get('a', 'm')).toBeUndefined();
  });
});
