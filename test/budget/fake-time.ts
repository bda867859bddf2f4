import type { Clock, Scheduler, TimerHandle } from '../../src/budget/clock.js';

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A hand-driven clock and scheduler: timers run only inside `advance`, each at its own instant. */
export class FakeTime implements Clock, Scheduler {
  private t: number;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers pending. */
  get pending(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, running due timers in order and letting promise callbacks run after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: FakeTimer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.at <= end && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer;
      }
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** Let every pending promise callback run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
