import { describe, expect, it } from 'vitest';
import { ThrottleWatcher } from '../../src/alerts/throttle-watcher.js';

function watcher() {
  const raised: Array<{ agent: string; since: number; now: number }> = [];
  const w = new ThrottleWatcher({ thresholdMs: 10_000, quietMs: 2_000, onLong: (agent, since, now) => raised.push({ agent, since, now }) });
  return { w, raised };
}

describe('throttling episodes', () => {
  it('raises once an episode has lasted the threshold, and only once per episode', () => {
    const { w, raised } = watcher();
    for (let t = 0; t <= 20_000; t += 1000) w.throttled('a', t);
    expect(raised).toEqual([{ agent: 'a', since: 0, now: 10_000 }]);
  });

  it('a gap longer than quietMs ends the episode: short episodes never raise, a new long one does', () => {
    const { w, raised } = watcher();
    for (let t = 0; t <= 9_000; t += 1000) w.throttled('a', t);
    // 3 s without a throttle: a new episode starts at 12 s.
    for (let t = 12_000; t <= 21_000; t += 1000) w.throttled('a', t);
    expect(raised).toEqual([]);
    w.throttled('a', 22_000);
    expect(raised).toEqual([{ agent: 'a', since: 12_000, now: 22_000 }]);
    for (let t = 30_000; t <= 40_000; t += 1000) w.throttled('a', t);
    expect(raised).toHaveLength(2);
    expect(raised[1]).toEqual({ agent: 'a', since: 30_000, now: 40_000 });
  });

  it('keeps agents apart', () => {
    const { w, raised } = watcher();
    for (let t = 0; t <= 10_000; t += 1000) {
      w.throttled('a', t);
      if (t >= 5000) w.throttled('b', t);
    }
    expect(raised.map((r) => r.agent)).toEqual(['a']);
  });
});
