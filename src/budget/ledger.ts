import { TokenNinjaError } from '../errors/errors.js';

/**
 * Per-agent token buckets and the reservations drawn on them (DESIGN §6 "Enforcement").
 *
 * - Each agent's allocation (tokens per tick) refills its bucket continuously: `rate = allocation / tickMs`
 *   tokens per ms. Capacity is one tick's allocation, so an idle agent can spend at most one tick's worth
 *   at once plus what refills meanwhile.
 * - The ledger does not decide admission (see decide.ts): it debits whatever it is asked to reserve, so
 *   the "admitted while balance > 0, overshoot at most one request" rule lives in one pure place.
 * - An agent the last table does not name has no allocation (rate 0): it is paid from the newcomer reserve
 *   (DESIGN §8), and the ledger only keeps what it drew this tick against its allowance. Buckets the first
 *   table creates start full (the proxy cannot know what was spent before it started); a bucket a later
 *   table creates starts empty, since that agent's first budget came from the reserve.
 * - Balances are fractional (continuous refill); callers floor them for display.
 * - Every reservation ends exactly once, by `settle` (charge the actual) or `release` (never reached the
 *   upstream: full refund). A second ending is a no-op that returns false and is counted.
 */

/**
 * Where a reservation's tokens came from. `newcomer`: the newcomer reserve (an agent the table does not name).
 * `observe` (observe mode, would-be throttled) charges nothing.
 */
export type ReservationSource = 'allocation' | 'burst' | 'newcomer' | 'observe';

/** Tokens held for one request between admission and reconciliation. */
export interface Reservation {
  readonly id: number;
  readonly agent: string;
  /** Tokens reserved (estimated input + expected output). */
  readonly amount: number;
  readonly source: ReservationSource;
  /** Time of the reservation (unix ms); burst give-backs use it to find the pool's tick. */
  readonly at: number;
}

/** A bucket as callers see it at a given instant (refilled up to that instant). */
export interface BucketView {
  readonly agent: string;
  /** Tokens per tick. */
  readonly allocation: number;
  readonly tickMs: number;
  /** Tokens per ms. */
  readonly rate: number;
  readonly capacity: number;
  /** May be negative (debt). */
  readonly balance: number;
  /** Open reservations of this agent. */
  readonly inFlight: number;
  /** True while the last allocation table names the agent (else it has no allocation: a newcomer). */
  readonly named: boolean;
}

/** Running totals for metrics and invariant checks. Token totals are sums over all agents. */
export interface LedgerStats {
  agents: number;
  reservations: number;
  settled: number;
  released: number;
  /** settle/release calls on a reservation already ended or unknown. */
  duplicateEndings: number;
  inFlight: number;
  inFlightTokens: number;
  /** Sum of amounts reserved (all sources). */
  reservedTokens: number;
  /** Sum of `actual` passed to effective settles (all sources). */
  chargedTokens: number;
  /** Tokens given back to buckets by settles below the reservation and by releases (allocation source). */
  refundedTokens: number;
  /** Tokens charged to buckets by settles above the reservation. */
  extraChargedTokens: number;
  /** Refunds and refills lost because the bucket was full. */
  overflowTokens: number;
}

/** Options fixed at construction. */
export interface LedgerOptions {
  /** Tick length in ms (DESIGN: reallocation period, 30 s by default). */
  tickMs: number;
}

// Plain object per agent (no closures): about 120 bytes of fields plus the Map entry.
interface Bucket {
  agent: string;
  allocation: number;
  rate: number;
  capacity: number;
  balance: number;
  updatedAt: number;
  /** Last reservation or ending, for pruning idle agents. */
  usedAt: number;
  inFlight: number;
  named: boolean;
  /** Unnamed agents: the tick of its last newcomer draw, and what it drew from the reserve in that tick. */
  newcomerTick: number;
  newcomerDrawn: number;
  /** Whether a newcomer decision was already made for this bucket (counted once). */
  newcomerNoted: boolean;
}

interface OpenReservation extends Reservation {
  readonly bucket: Bucket;
}

function assertAmount(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new TokenNinjaError('TN_BUDGET_INVALID_AMOUNT', 500, `${name} must be a finite number >= 0, got ${value}`);
  }
}

function assertTick(tickMs: number): void {
  if (!Number.isFinite(tickMs) || tickMs <= 0) {
    throw new TokenNinjaError('TN_BUDGET_INVALID_AMOUNT', 500, `tickMs must be a finite number > 0, got ${tickMs}`);
  }
}

/** Token buckets for every tracked agent, plus the open reservations on them. */
export class Ledger {
  private tickMs: number;
  /** Tables applied so far: buckets created by the first start full, later ones empty. */
  private tables = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly open = new Map<number, OpenReservation>();
  private nextId = 1;
  private readonly counters: Omit<LedgerStats, 'agents' | 'inFlight'> = {
    reservations: 0,
    settled: 0,
    released: 0,
    duplicateEndings: 0,
    inFlightTokens: 0,
    reservedTokens: 0,
    chargedTokens: 0,
    refundedTokens: 0,
    extraChargedTokens: 0,
    overflowTokens: 0,
  };

  constructor(options: LedgerOptions) {
    assertTick(options.tickMs);
    this.tickMs = options.tickMs;
  }

  /** The agent's bucket refilled to `now`; an unknown agent gets an empty, unnamed one. */
  view(agent: string, now: number): BucketView {
    const b = this.bucket(agent, now);
    return {
      agent,
      allocation: b.allocation,
      tickMs: this.tickMs,
      rate: b.rate,
      capacity: b.capacity,
      balance: b.balance,
      inFlight: b.inFlight,
      named: b.named,
    };
  }

  /** What is left of an unnamed agent's per-tick `allowance` from the newcomer reserve at `now` (may be ≤ 0). */
  newcomerLeft(agent: string, allowance: number, now: number): number {
    const b = this.bucket(agent, now);
    return allowance - (b.newcomerTick === this.tickOf(now) ? b.newcomerDrawn : 0);
  }

  /** True the first time a newcomer decision is made for this agent's bucket (for counting new agents once). */
  noteNewcomer(agent: string, now: number): boolean {
    const b = this.bucket(agent, now);
    if (b.newcomerNoted) return false;
    b.newcomerNoted = true;
    return true;
  }

  /** Balance of the agent's bucket at `now` (negative is debt). */
  balance(agent: string, now: number): number {
    return this.bucket(agent, now).balance;
  }

  /** Refill rate of the agent's bucket, tokens per ms. */
  rate(agent: string, now: number): number {
    return this.bucket(agent, now).rate;
  }

  /** Whether the ledger tracks the agent (without creating it). */
  has(agent: string): boolean {
    return this.buckets.has(agent);
  }

  /**
   * Reserve `amount` tokens for one request. `allocation` debits the bucket (debt allowed: the caller has
   * already applied the admission rule); `burst` and `observe` leave the bucket alone.
   */
  reserve(agent: string, amount: number, now: number, source: ReservationSource = 'allocation'): Reservation {
    assertAmount('amount', amount);
    const bucket = this.bucket(agent, now);
    if (source === 'allocation') bucket.balance -= amount;
    if (source === 'newcomer') {
      const tick = this.tickOf(now);
      bucket.newcomerDrawn = (bucket.newcomerTick === tick ? bucket.newcomerDrawn : 0) + amount;
      bucket.newcomerTick = tick;
    }
    bucket.inFlight++;
    bucket.usedAt = now;
    const r: OpenReservation = { id: this.nextId++, agent, amount, source, at: now, bucket };
    this.open.set(r.id, r);
    this.counters.reservations++;
    this.counters.reservedTokens += amount;
    this.counters.inFlightTokens += amount;
    return { id: r.id, agent, amount, source, at: now };
  }

  /** The open reservation with this id, if any. */
  reservation(id: number): Reservation | undefined {
    const r = this.open.get(id);
    return r === undefined ? undefined : { id: r.id, agent: r.agent, amount: r.amount, source: r.source, at: r.at };
  }

  /**
   * Reconcile a reservation with the tokens actually charged: the bucket gets back `amount − actual`
   * (refund, up to capacity) or pays `actual − amount` (debt). For a `burst` or `newcomer` reservation only
   * an excess is charged to the bucket; the caller returns the unused part to its pool. Returns false (and counts
   * it) when the reservation already ended or never existed.
   */
  settle(id: number, actual: number, now: number): boolean {
    assertAmount('actual', actual);
    const r = this.end(id, now);
    if (r === undefined) return false;
    this.counters.settled++;
    this.counters.chargedTokens += actual;
    const diff = r.amount - actual;
    if (r.source === 'allocation') {
      if (diff > 0) this.refund(r.bucket, diff);
      else if (diff < 0) this.charge(r.bucket, -diff);
    } else if ((r.source === 'burst' || r.source === 'newcomer') && diff < 0) {
      this.charge(r.bucket, -diff);
    }
    return true;
  }

  /** End a reservation whose request never reached the upstream: nothing is charged. */
  release(id: number, now: number): boolean {
    const r = this.end(id, now);
    if (r === undefined) return false;
    this.counters.released++;
    if (r.source === 'allocation') this.refund(r.bucket, r.amount);
    return true;
  }

  /**
   * Apply a new allocation table (tokens per tick per agent). Agents named get that allocation, tracked
   * agents not named get none (they are newcomers again). Balances are refilled at the old rate up to `now`,
   * then clamped to the new capacity; debt and open reservations are kept.
   */
  applyAllocations(allocations: ReadonlyMap<string, number> | Readonly<Record<string, number>>, tickMs: number, now: number): void {
    assertTick(tickMs);
    const table = allocations instanceof Map ? allocations : new Map(Object.entries(allocations));
    for (const [agent, allocation] of table) assertAmount(`allocation of ${agent}`, allocation);
    // Refill everyone at the old rate first, so the change applies from `now` on.
    for (const b of this.buckets.values()) this.refill(b, now);
    this.tickMs = tickMs;
    for (const b of this.buckets.values()) {
      const named = table.get(b.agent);
      this.setAllocation(b, named ?? 0, named !== undefined);
    }
    const full = this.tables++ === 0;
    for (const [agent, allocation] of table) {
      if (!this.buckets.has(agent)) this.buckets.set(agent, this.newBucket(agent, allocation, true, full ? allocation : 0, now));
    }
  }

  /** Forget agents idle since `now − idleMs` whose bucket is full and holds no reservation. Returns how many. */
  prune(idleMs: number, now: number): number {
    let dropped = 0;
    for (const b of this.buckets.values()) {
      this.refill(b, now);
      if (b.inFlight === 0 && b.balance >= b.capacity && !b.named && now - b.usedAt >= idleMs) {
        this.buckets.delete(b.agent);
        dropped++;
      }
    }
    return dropped;
  }

  /** Current tick length in ms. */
  get tick(): number {
    return this.tickMs;
  }

  /** Counters for metrics and tests. */
  stats(): LedgerStats {
    return { agents: this.buckets.size, inFlight: this.open.size, ...this.counters };
  }

  private end(id: number, now: number): OpenReservation | undefined {
    const r = this.open.get(id);
    if (r === undefined) {
      this.counters.duplicateEndings++;
      return undefined;
    }
    this.open.delete(id);
    r.bucket.inFlight--;
    this.counters.inFlightTokens -= r.amount;
    r.bucket.usedAt = now;
    // A bucket with an open reservation is never pruned, so r.bucket is still the agent's bucket.
    this.refill(r.bucket, now);
    return r;
  }

  private refund(b: Bucket, tokens: number): void {
    this.counters.refundedTokens += tokens;
    const room = b.capacity - b.balance;
    if (tokens > room) {
      this.counters.overflowTokens += tokens - Math.max(0, room);
      b.balance = Math.max(b.balance, b.capacity);
    } else {
      b.balance += tokens;
    }
  }

  private charge(b: Bucket, tokens: number): void {
    this.counters.extraChargedTokens += tokens;
    b.balance -= tokens;
  }

  private bucket(agent: string, now: number): Bucket {
    let b = this.buckets.get(agent);
    if (b === undefined) {
      b = this.newBucket(agent, 0, false, 0, now);
      this.buckets.set(agent, b);
    } else {
      this.refill(b, now);
    }
    return b;
  }

  private newBucket(agent: string, allocation: number, named: boolean, balance: number, now: number): Bucket {
    return {
      agent,
      allocation,
      rate: allocation / this.tickMs,
      capacity: allocation,
      balance,
      updatedAt: now,
      usedAt: now,
      inFlight: 0,
      named,
      newcomerTick: Number.NaN,
      newcomerDrawn: 0,
      newcomerNoted: false,
    };
  }

  private tickOf(now: number): number {
    return Math.floor(now / this.tickMs);
  }

  private setAllocation(b: Bucket, allocation: number, named: boolean): void {
    b.allocation = allocation;
    b.rate = allocation / this.tickMs;
    b.capacity = allocation;
    b.named = named;
    if (b.balance > b.capacity) b.balance = b.capacity;
  }

  private refill(b: Bucket, now: number): void {
    // A clock that steps back refills nothing rather than draining.
    if (now <= b.updatedAt) return;
    if (b.balance < b.capacity) {
      const next = b.balance + b.rate * (now - b.updatedAt);
      b.balance = next > b.capacity ? b.capacity : next;
    }
    b.updatedAt = now;
  }
}
