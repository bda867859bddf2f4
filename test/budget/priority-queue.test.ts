import { describe, expect, it } from 'vitest';
import { PriorityQueue, type QueueEntry } from '../../src/budget/priority-queue.js';
import { priorityRank, type PriorityClass } from '../../src/domain/priority.js';

interface E extends QueueEntry {
  name: string;
}
const entry = (name: string, priority: PriorityClass, seq: number, deadline?: number): E => ({
  name,
  rank: priorityRank(priority),
  deadline,
  seq,
  heapIndex: -1,
});

function drain(q: PriorityQueue<E>): string[] {
  const out: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.name);
  return out;
}

describe('PriorityQueue', () => {
  it('orders by class, then deadline (none last), then arrival', () => {
    const q = new PriorityQueue<E>();
    for (const e of [
      entry('low-1', 'low', 1),
      entry('normal-nodeadline', 'normal', 2),
      entry('normal-late', 'normal', 3, 9_000),
      entry('critical', 'critical', 4),
      entry('normal-early', 'normal', 5, 2_000),
      entry('high', 'high', 6),
      entry('normal-early-2', 'normal', 7, 2_000),
      entry('low-0', 'low', 0),
    ]) q.push(e);
    expect(drain(q)).toEqual([
      'critical',
      'high',
      'normal-early',
      'normal-early-2',
      'normal-late',
      'normal-nodeadline',
      'low-0',
      'low-1',
    ]);
  });

  it('removes an entry from the middle and keeps the order', () => {
    const q = new PriorityQueue<E>();
    const es = Array.from({ length: 20 }, (_, i) => entry(`e${i}`, (['low', 'normal', 'high'] as const)[i % 3] ?? 'low', i));
    for (const e of es) q.push(e);
    const gone = es[7] as E;
    expect(q.remove(gone)).toBe(true);
    expect(q.remove(gone)).toBe(false);
    expect(gone.heapIndex).toBe(-1);
    const order = drain(q);
    expect(order).toHaveLength(19);
    expect(order).not.toContain('e7');
    expect(order.slice(0, 3)).toEqual(['e2', 'e5', 'e8']); // the highs, by arrival (e.g. e2 < e5 < e8 …)
  });
});
