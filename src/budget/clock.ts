/** Time sources injected into the budget code, so tests drive time by hand (STYLE: no clocks inside logic). */

/** Current time in unix milliseconds. */
export interface Clock {
  now(): number;
}

/** Opaque timer handle returned by a {@link Scheduler}. */
export type TimerHandle = unknown;

/** One-shot timers. Implementations must not call `fn` synchronously from `setTimeout`. */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The process clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Node timers, unref'd so a queue of waiters never keeps a draining process alive. */
export const systemScheduler: Scheduler = {
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
