import type { Store, TickPoolName } from '../store/store.js';
import { BurstDrawTally, type BurstDraws, type BurstPool, type BurstPoolState } from './burst-pool.js';
import type { PriorityClass } from '../domain/priority.js';

/** The Store members a shared pool needs (Redis in fleet mode; any backend works). */
export type BurstStore = Pick<Store, 'burstTake' | 'burstReturn' | 'burstState'>;

export interface StoreBurstPoolOptions {
  tickMs: number;
  /** Tokens per tick for the whole fleet (default 0 until the allocation table sets one). */
  capacity?: number;
  minPriority?: PriorityClass;
  /** Which of the store's per-tick pools (default the burst buffer). */
  pool?: TickPoolName;
}

/**
 * A burst pool kept in the shared Store, one per wall-clock tick, so every proxy of a fleet draws on the same
 * tokens. The arithmetic is the Store's (atomic across processes); this class only maps ticks and keeps a
 * last-seen figure for the synchronous `available` hint (admission re-decides when a draw comes back short).
 */
export class StoreBurstPool implements BurstPool {
  readonly minPriority: PriorityClass;
  private tickMs: number;
  private capacity: number;
  private seenTick = Number.NaN;
  private seenAvailable = 0;
  private readonly tally = new BurstDrawTally();
  private readonly pool: TickPoolName;

  constructor(
    private readonly store: BurstStore,
    options: StoreBurstPoolOptions,
  ) {
    this.minPriority = options.minPriority ?? 'high';
    this.tickMs = options.tickMs;
    this.capacity = options.capacity ?? 0;
    this.pool = options.pool ?? 'burst';
  }

  async take(agent: string, amount: number, now: number): Promise<number> {
    const tick = this.tickOf(now);
    const granted = await this.store.burstTake(tick, this.capacity, amount, this.pool);
    this.see(tick, granted < amount ? 0 : Math.max(0, this.hint(tick) - granted));
    if (granted > 0) this.tally.taken(agent, granted);
    return granted;
  }

  async give(agent: string, amount: number, takenAt: number, now: number): Promise<void> {
    if (!(amount > 0)) return;
    const tick = this.tickOf(takenAt);
    // That tick's pool is over: nothing to give back to.
    if (tick !== this.tickOf(now)) return;
    await this.store.burstReturn(tick, this.capacity, amount, this.pool);
    this.see(tick, Math.min(this.capacity, this.hint(tick) + amount));
    this.tally.returned(agent, amount);
  }

  available(now: number): number {
    return this.hint(this.tickOf(now));
  }

  async state(now: number): Promise<BurstPoolState> {
    const s = await this.store.burstState(this.tickOf(now), this.capacity, this.pool);
    this.see(s.tick, s.available);
    return s;
  }

  setCapacity(capacity: number, tickMs: number, _now: number): void {
    this.capacity = capacity;
    this.tickMs = tickMs;
    this.seenTick = Number.NaN;
  }

  draws(): ReadonlyMap<string, Readonly<BurstDraws>> {
    return this.tally.all;
  }

  private tickOf(now: number): number {
    return Math.floor(now / this.tickMs);
  }

  /** Last-seen tokens in `tick`'s pool; a tick not seen yet is assumed full (the Store starts it at capacity). */
  private hint(tick: number): number {
    return tick === this.seenTick ? this.seenAvailable : this.capacity;
  }

  private see(tick: number, available: number): void {
    this.seenTick = tick;
    this.seenAvailable = Math.min(this.capacity, Math.max(0, available));
  }

}
