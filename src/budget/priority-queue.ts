/**
 * The order requests wait in (DESIGN §3): priority class (critical first), then deadline (earlier first,
 * none last), then arrival. A binary heap whose entries remember their slot, so a waiter that leaves
 * (client gone, deadline) is removed in O(log n) without a scan.
 */

/** What the queue needs of an entry. `heapIndex` is owned by the queue (-1 when not queued). */
export interface QueueEntry {
  /** priorityRank of the class: higher goes first. */
  readonly rank: number;
  /** Unix ms; undefined sorts after every deadline. */
  readonly deadline: number | undefined;
  /** Arrival sequence number: lower goes first. */
  readonly seq: number;
  heapIndex: number;
}

/** Negative when `a` goes before `b`. */
export function compareEntries(a: QueueEntry, b: QueueEntry): number {
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (a.deadline !== b.deadline) {
    if (a.deadline === undefined) return 1;
    if (b.deadline === undefined) return -1;
    return a.deadline - b.deadline;
  }
  return a.seq - b.seq;
}

/** A min-heap of waiting entries in admission order. */
export class PriorityQueue<T extends QueueEntry> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(entry: T): void {
    entry.heapIndex = this.heap.length;
    this.heap.push(entry);
    this.up(entry.heapIndex);
  }

  /** The entry that goes next, without removing it. */
  peek(): T | undefined {
    return this.heap[0];
  }

  pop(): T | undefined {
    const top = this.heap[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Remove an entry wherever it is; false when it is not in this queue. */
  remove(entry: T): boolean {
    const i = entry.heapIndex;
    if (i < 0 || this.heap[i] !== entry) return false;
    this.removeAt(i);
    return true;
  }

  /** Entries in no particular order. */
  values(): readonly T[] {
    return this.heap;
  }

  private removeAt(i: number): void {
    const removed = this.heap[i] as T;
    const last = this.heap.pop() as T;
    removed.heapIndex = -1;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.down(i);
      this.up(last.heapIndex);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as T;
      if (compareEntries(e, parent) >= 0) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = e;
    e.heapIndex = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && compareEntries(h[r] as T, h[l] as T) < 0) c = r;
      const child = h[c] as T;
      if (compareEntries(child, e) >= 0) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = e;
    e.heapIndex = i;
  }
}
