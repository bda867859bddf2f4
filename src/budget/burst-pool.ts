import type { PriorityClass } from '../domain/priority.js';

/**
 * The shared burst buffer (DESIGN §3 "Over budget", §6.4): a pool refilled each tick to a capacity set by
 * the allocation table, drawn on by requests over budget whose priority passes the gate. The interface
 * mirrors the Store's `burstTake` / `burstReturn` / `burstState`, so a Redis-backed pool can wrap those
 * (tick = `floor(now / tickMs)`, aligned to the wall clock like the allocation table).
 */

/** The pool of one tick. */
export interface BurstPoolState {
  tick: number;
  capacity: number;
  available: number;
}

/** Draws of one agent, for metrics and the allocation explanation. */
export interface BurstDraws {
  /** Successful draws. */
  draws: number;
  /** Tokens drawn. */
  tokens: number;
  /** Of those, tokens given back unused. */
  returned: number;
}

/**
 * A pool of tokens refilled to a capacity every wall-clock tick and drawn per request: the burst buffer, and
 * the newcomer reserve (DESIGN §8) with the same implementations on another pool name.
 */
export interface TickPool {
  /** Take up to `amount` tokens for `agent` from the pool of `now`'s tick; resolves to the tokens granted (0..amount). */
  take(agent: string, amount: number, now: number): Promise<number> | number;
  /** Give back unused tokens taken at `takenAt`; dropped when that tick is over (its pool is gone). */
  give(agent: string, amount: number, takenAt: number, now: number): Promise<void> | void;
  /** Best-known tokens available, synchronously: a remote pool answers with its last-seen figure. */
  available(now: number): number;
  state(now: number): Promise<BurstPoolState> | BurstPoolState;
  /** Capacity per tick from the allocation table (and the tick length), effective from `now`'s tick. */
  setCapacity(capacity: number, tickMs: number, now: number): void;
  /** Draws per agent since start. */
  draws(): ReadonlyMap<string, Readonly<BurstDraws>>;
}

/** The burst buffer: a tick pool with a priority gate. */
export interface BurstPool extends TickPool {
  /** Least urgent priority class allowed to draw (default `high`). */
  readonly minPriority: PriorityClass;
}

/** Per-agent draws of a pool (shared by every BurstPool implementation). */
export class BurstDrawTally {
  private readonly perAgent = new Map<string, BurstDraws>();

  taken(agent: string, tokens: number): void {
    const d = this.of(agent);
    d.draws++;
    d.tokens += tokens;
  }

  returned(agent: string, tokens: number): void {
    this.of(agent).returned += tokens;
  }

  get all(): ReadonlyMap<string, Readonly<BurstDraws>> {
    return this.perAgent;
  }

  private of(agent: string): BurstDraws {
    let d = this.perAgent.get(agent);
    if (d === undefined) {
      d = { draws: 0, tokens: 0, returned: 0 };
      this.perAgent.set(agent, d);
    }
    return d;
  }
}
