import { TokenNinjaError } from '../errors/errors.js';
import { BurstDrawTally, type BurstDraws, type BurstPool, type BurstPoolState } from './burst-pool.js';
import type { PriorityClass } from '../domain/priority.js';

/** Options of the in-process pool. */
export interface LocalBurstPoolOptions {
  tickMs: number;
  /** Tokens per tick (default 0: no burst until the allocation table sets one). */
  capacity?: number;
  minPriority?: PriorityClass;
}

/** Pool totals for metrics and invariant checks. */
export interface LocalBurstPoolStats {
  takenTokens: number;
  returnedTokens: number;
  /** Give-backs dropped because their tick was over. */
  expiredTokens: number;
}

/** In-memory burst pool for one process (gateway mode, or a sidecar without a shared store). */
export class LocalBurstPool implements BurstPool {
  readonly minPriority: PriorityClass;
  private tickMs: number;
  private capacity: number;
  private tick = Number.NaN;
  /** Drawn from this tick's pool and not given back (may exceed a lowered capacity). */
  private used = 0;
  private readonly tally = new BurstDrawTally();
  private readonly totals: LocalBurstPoolStats = { takenTokens: 0, returnedTokens: 0, expiredTokens: 0 };

  constructor(options: LocalBurstPoolOptions) {
    this.minPriority = options.minPriority ?? 'high';
    this.tickMs = options.tickMs;
    this.capacity = options.capacity ?? 0;
    check(this.tickMs, this.capacity);
  }

  take(agent: string, amount: number, now: number): number {
    this.roll(now);
    const granted = Math.max(0, Math.min(amount, this.left()));
    if (granted <= 0) return 0;
    this.used += granted;
    this.totals.takenTokens += granted;
    this.tally.taken(agent, granted);
    return granted;
  }

  give(agent: string, amount: number, takenAt: number, now: number): void {
    if (!(amount > 0)) return;
    this.roll(now);
    if (Math.floor(takenAt / this.tickMs) !== this.tick) {
      this.totals.expiredTokens += amount;
      return;
    }
    this.used = Math.max(0, this.used - amount);
    this.totals.returnedTokens += amount;
    this.tally.returned(agent, amount);
  }

  available(now: number): number {
    this.roll(now);
    return this.left();
  }

  state(now: number): BurstPoolState {
    this.roll(now);
    return { tick: this.tick, capacity: this.capacity, available: this.left() };
  }

  setCapacity(capacity: number, tickMs: number, now: number): void {
    check(tickMs, capacity);
    this.roll(now);
    if (tickMs !== this.tickMs) {
      // A new tick length renumbers the ticks: start a fresh pool.
      this.tickMs = tickMs;
      this.capacity = capacity;
      this.tick = Number.NaN;
      this.roll(now);
      return;
    }
    // Mid-tick change: what this tick already used stays used.
    this.capacity = capacity;
  }

  draws(): ReadonlyMap<string, Readonly<BurstDraws>> {
    return this.tally.all;
  }

  /** Totals since start. */
  stats(): LocalBurstPoolStats {
    return { ...this.totals };
  }

  private roll(now: number): void {
    const tick = Math.floor(now / this.tickMs);
    // Ticks only move forward: a clock stepping back keeps the current pool.
    if (tick > this.tick || Number.isNaN(this.tick)) {
      this.tick = tick;
      this.used = 0;
    }
  }

  private left(): number {
    return Math.max(0, this.capacity - this.used);
  }

}

function check(tickMs: number, capacity: number): void {
  if (!Number.isFinite(tickMs) || tickMs <= 0) {
    throw new TokenNinjaError('TN_BUDGET_INVALID_AMOUNT', 500, `tickMs must be a finite number > 0, got ${tickMs}`);
  }
  if (!Number.isFinite(capacity) || capacity < 0) {
    throw new TokenNinjaError('TN_BUDGET_INVALID_AMOUNT', 500, `burst capacity must be a finite number >= 0, got ${capacity}`);
  }
}
