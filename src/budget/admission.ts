import { TokenNinjaError } from '../errors/errors.js';
import type { BurstPool, TickPool } from './burst-pool.js';
import { systemClock, systemScheduler, type Clock, type Scheduler } from './clock.js';
import { decide, type AdmissionAction, type Decision } from './decide.js';
import { Ledger, type BucketView, type LedgerStats, type Reservation, type ReservationSource } from './ledger.js';
import { LocalBurstPool } from './local-burst-pool.js';
import { priorityRank, type PriorityClass } from '../domain/priority.js';
import { rateLimitHeaders, type RateLimitHeaders } from './rate-limit-headers.js';
import { msUntilPositive } from './retry-after.js';
import { Waiters, type LeaveReason, type Waiter } from './waiters.js';

/**
 * Inline enforcement, the part the proxy calls (DESIGN §3 "Over budget", §6 "Enforcement"):
 * `acquire` before forwarding (forward, burst, wait in the priority queue, or refuse), then exactly one of
 * `settle` (the upstream was reached: charge what it used) or `release` (it never was: refund).
 */

/** Options fixed at construction. */
export interface AdmissionOptions {
  /** Tick length, ms (the reallocation period). */
  tickMs: number;
  /**
   * Tokens per tick an agent the allocation table does not name may draw from the newcomer reserve
   * (admitted while it has drawn less; DESIGN §8).
   */
  newcomerAllowance: number;
  /** The newcomer reserve. Default: an in-process pool of `newcomerReserve` until `applyAllocations` sets one. */
  newcomerPool?: TickPool;
  /** Capacity per tick of the default newcomer pool until the first `applyAllocations` names one (default 0). */
  newcomerReserve?: number;
  /** Called once per agent (per bucket) the first time it is treated as a newcomer, drawn or refused. */
  onNewAgent?: (agent: string) => void;
  /** `observe`: never block; decisions are counted in `stats().observed` (default `enforce`). */
  mode?: 'enforce' | 'observe';
  clock?: Clock;
  scheduler?: Scheduler;
  /** Default: an in-process pool of capacity 0 until `applyAllocations` sets one, gated at `burstMinPriority`. */
  burstPool?: BurstPool;
  /** Gate of the default pool (default `high`). Ignored when `burstPool` is given (it carries its own). */
  burstMinPriority?: PriorityClass;
  /** Burst capacity per tick until the first `applyAllocations` names one (default 0). */
  burstCapacity?: number;
  /** Longest a request waits in the queue, ms (default 30 000). */
  maxWaitMs?: number;
  /** Waiting requests, all agents (default 10 000). */
  maxQueueDepth?: number;
  /** Waiting requests per agent (default 1 000). */
  maxQueueDepthPerAgent?: number;
}

/** One request asking to go upstream. */
export interface AcquireRequest {
  agent: string;
  /** Tokens to reserve: estimated input + expected output. */
  cost: number;
  /** Default `normal` (the proxy applies the agent's priority ceiling before calling). */
  priority?: PriorityClass;
  /** Unix ms; the request is refused at this instant if still waiting. */
  deadline?: number;
  /** The client's disconnect: a waiting request leaves the queue at once. */
  signal?: AbortSignal;
}

/** Why a request was refused. */
export type RefusalReason =
  | 'queue-full'
  | 'wait-too-long'
  | 'deadline-too-soon'
  | 'deadline-passed'
  | 'max-wait'
  | 'aborted'
  | 'shutdown';

/** Admitted: forward upstream, then `settle` or `release` the reservation exactly once. */
export interface AdmissionGranted {
  admitted: true;
  reservation: Reservation;
  /** For `x-token-ninja-source`. */
  source: 'allocation' | 'burst';
  /** Time spent queued (0 if none), for `x-token-ninja-queued-ms` and `queue_wait_seconds`. */
  queuedMs: number;
  decision: Decision;
}

/** Refused: answer 429 (or count `client_closed` when `aborted`) with `retryAfterMs`. */
export interface AdmissionRefused {
  admitted: false;
  reason: RefusalReason;
  /** Ms until refills would admit a request of this agent (at least 1; a tick when the bucket does not refill). */
  retryAfterMs: number;
  queuedMs: number;
  /** Undefined when refused before any decision (already aborted, or shut down). */
  decision?: Decision;
}

export type AdmissionResult = AdmissionGranted | AdmissionRefused;

/** How the allocation table is applied each tick. */
export interface AllocationUpdate {
  /** Tokens per tick per agent; tracked agents not named fall back to the baseline. */
  allocations: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Tick length (default: unchanged). */
  tickMs?: number;
  /** Burst pool capacity per tick (default: unchanged). */
  burstCapacity?: number;
  /** Newcomer reserve capacity per tick (default: unchanged). */
  newcomerReserve?: number;
  /** New per-agent allowance from the newcomer reserve (default: unchanged). */
  newcomerAllowance?: number;
}

/** The settings a config reload may change (DESIGN §10: queue, burst). */
export interface AdmissionSettings {
  maxWaitMs: number;
  maxQueueDepth: number;
  /** Least urgent class that may draw on the burst buffer. */
  burstMinPriority: PriorityClass;
}

/** Counters for metrics (DESIGN §5 `requests_total`, `queue_depth`, observe mode). */
export interface AdmissionStats {
  /** Admitted on the allocation at once. */
  forwarded: number;
  /** Admitted from the burst pool. */
  burst: number;
  /** Admitted from the newcomer reserve. */
  newcomer: number;
  /** Agents treated as newcomers for the first time (drawn or refused). */
  newAgents: number;
  /** Entered the queue. */
  queued: number;
  /** Admitted after waiting. */
  admittedFromQueue: number;
  rejected: Record<RefusalReason, number>;
  /** Observe mode: what enforce mode would have done, by action. */
  observed: Record<AdmissionAction, number>;
  /** Pool take/give calls (burst or newcomer reserve) that threw or rejected (treated as an empty pool). */
  burstErrors: number;
  queueDepth: number;
  ledger: LedgerStats;
}

interface AdmissionWaiter extends Waiter {
  readonly request: AcquireRequest;
  readonly decision: Decision;
  readonly resolve: (result: AdmissionResult) => void;
}

const DEFAULTS = { maxWaitMs: 30_000, maxQueueDepth: 10_000, maxQueueDepthPerAgent: 1_000 } as const;

function invalid(message: string): TokenNinjaError {
  return new TokenNinjaError('TN_BUDGET_INVALID_REQUEST', 500, message);
}

function checkLimits(limits: Readonly<Record<string, number>>): void {
  for (const [name, v] of Object.entries(limits)) if (!(v >= 0)) throw invalid(`${name} must be >= 0, got ${v}`);
}

function reservationId(r: Reservation | number): number {
  return typeof r === 'number' ? r : r.id;
}

/** Ledger + decision + queue + burst pool: what the proxy calls around each metered request. */
export class Admission {
  readonly ledger: Ledger;
  readonly burstPool: BurstPool;
  readonly newcomerPool: TickPool;
  private newcomerAllowance: number;
  private newcomerReserve: number;
  private readonly onNewAgent: ((agent: string) => void) | undefined;
  private readonly mode: 'enforce' | 'observe';
  private readonly clock: Clock;
  private readonly waiters: Waiters<AdmissionWaiter>;
  private maxWaitMs: number;
  private maxQueueDepth: number;
  /** The burst gate: the pool's own, until a reload changes it. */
  private burstMinPriority: PriorityClass;
  private readonly maxQueueDepthPerAgent: number;
  private seq = 0;
  private closed = false;
  private burstCapacity: number;
  private readonly counters: Omit<AdmissionStats, 'queueDepth' | 'ledger'> = {
    forwarded: 0,
    burst: 0,
    newcomer: 0,
    newAgents: 0,
    queued: 0,
    admittedFromQueue: 0,
    rejected: {
      'queue-full': 0,
      'wait-too-long': 0,
      'deadline-too-soon': 0,
      'deadline-passed': 0,
      'max-wait': 0,
      aborted: 0,
      shutdown: 0,
    },
    observed: { forward: 0, 'forward-from-burst': 0, 'forward-from-newcomers': 0, queue: 0, reject: 0 },
    burstErrors: 0,
  };

  constructor(options: AdmissionOptions) {
    this.ledger = new Ledger({ tickMs: options.tickMs });
    this.newcomerAllowance = options.newcomerAllowance;
    this.newcomerReserve = options.newcomerReserve ?? 0;
    this.newcomerPool = options.newcomerPool ?? new LocalBurstPool({ tickMs: options.tickMs, capacity: this.newcomerReserve });
    this.onNewAgent = options.onNewAgent;
    this.burstCapacity = options.burstCapacity ?? 0;
    this.burstPool =
      options.burstPool ??
      new LocalBurstPool({ tickMs: options.tickMs, capacity: this.burstCapacity, minPriority: options.burstMinPriority ?? 'high' });
    this.burstMinPriority = this.burstPool.minPriority;
    this.mode = options.mode ?? 'enforce';
    this.clock = options.clock ?? systemClock;
    this.maxWaitMs = options.maxWaitMs ?? DEFAULTS.maxWaitMs;
    this.maxQueueDepth = options.maxQueueDepth ?? DEFAULTS.maxQueueDepth;
    this.maxQueueDepthPerAgent = options.maxQueueDepthPerAgent ?? DEFAULTS.maxQueueDepthPerAgent;
    checkLimits({ maxWaitMs: this.maxWaitMs, maxQueueDepth: this.maxQueueDepth, maxQueueDepthPerAgent: this.maxQueueDepthPerAgent });
    this.waiters = new Waiters<AdmissionWaiter>(this.clock, options.scheduler ?? systemScheduler, {
      bucket: (agent, now) => this.ledger.view(agent, now),
      admit: (w, now) => {
        this.counters.admittedFromQueue++;
        w.resolve(this.grant(w.request, 'allocation', now, now - w.enqueuedAt, w.decision));
      },
      leave: (w, reason, now) => w.resolve(this.refuse(w.request, leaveReason(reason), now, now - w.enqueuedAt, w.decision)),
    });
  }

  /** Admit, queue or refuse one request. Resolves once it may go upstream or is refused; never rejects for budget reasons. */
  acquire(request: AcquireRequest): Promise<AdmissionResult> {
    if (typeof request.agent !== 'string' || request.agent.length === 0) throw invalid('agent must be a non-empty string');
    if (!Number.isFinite(request.cost) || request.cost < 0) throw invalid(`cost must be a finite number >= 0, got ${request.cost}`);
    if (request.deadline !== undefined && Number.isNaN(request.deadline)) throw invalid('deadline must be a number');
    const now = this.clock.now();
    if (this.closed) return Promise.resolve(this.refuse(request, 'shutdown', now, 0, undefined));
    if (request.signal?.aborted === true) return Promise.resolve(this.refuse(request, 'aborted', now, 0, undefined));
    return this.attempt(request, now, { burst: true, newcomers: true });
  }

  /** Charge the tokens the upstream actually used (refund or debt for the difference). False if already ended. */
  settle(reservation: Reservation | number, actualTokens: number): boolean {
    return this.end(reservationId(reservation), actualTokens);
  }

  /** The request never reached the upstream: refund in full. False if already ended. */
  release(reservation: Reservation | number): boolean {
    return this.end(reservationId(reservation), undefined);
  }

  /** Apply a new allocation table (each tick): rates and burst capacity change, reservations and debts are kept, waiters re-checked. */
  applyAllocations(update: AllocationUpdate): void {
    const now = this.clock.now();
    const tickMs = update.tickMs ?? this.ledger.tick;
    this.ledger.applyAllocations(update.allocations, tickMs, now);
    if (update.burstCapacity !== undefined || update.tickMs !== undefined) {
      this.burstCapacity = update.burstCapacity ?? this.burstCapacity;
      this.burstPool.setCapacity(this.burstCapacity, tickMs, now);
    }
    if (update.newcomerReserve !== undefined || update.tickMs !== undefined) {
      this.newcomerReserve = update.newcomerReserve ?? this.newcomerReserve;
      this.newcomerPool.setCapacity(this.newcomerReserve, tickMs, now);
    }
    if (update.newcomerAllowance !== undefined) this.newcomerAllowance = update.newcomerAllowance;
    this.waiters.drainAll(now);
  }

  /** A config reload's queue limits and burst gate, for requests arriving from now on (waiters keep theirs). */
  configure(settings: AdmissionSettings): void {
    checkLimits({ maxWaitMs: settings.maxWaitMs, maxQueueDepth: settings.maxQueueDepth });
    this.maxWaitMs = settings.maxWaitMs;
    this.maxQueueDepth = settings.maxQueueDepth;
    this.burstMinPriority = settings.burstMinPriority;
  }

  /** The agent's bucket now. */
  view(agent: string): BucketView {
    return this.ledger.view(agent, this.clock.now());
  }

  /** `x-ratelimit-*-tokens` for the agent's bucket now. */
  rateLimitHeaders(agent: string): RateLimitHeaders {
    return rateLimitHeaders(this.view(agent));
  }

  /** Counters for metrics. */
  stats(): AdmissionStats {
    return {
      ...this.counters,
      rejected: { ...this.counters.rejected },
      observed: { ...this.counters.observed },
      queueDepth: this.waiters.depth,
      ledger: this.ledger.stats(),
    };
  }

  /** Requests waiting in the queue now (what `stats().queueDepth` says, without building the rest). */
  get queueDepth(): number {
    return this.waiters.depth;
  }

  /** Refuse every waiter and any later request (`shutdown`); admitted reservations can still be settled. */
  close(): void {
    this.closed = true;
    this.waiters.close();
  }

  private attempt(request: AcquireRequest, now: number, pools: PoolsToTry): Promise<AdmissionResult> {
    const priority = request.priority ?? 'normal';
    const bucket = this.ledger.view(request.agent, now);
    const waitMs = this.waitFor(request, now, bucket);
    if (!bucket.named && this.ledger.noteNewcomer(request.agent, now)) {
      this.counters.newAgents++;
      this.onNewAgent?.(request.agent);
    }
    const decision = decide({
      mode: this.mode,
      now,
      balance: bucket.balance,
      cost: request.cost,
      priority,
      burstAvailable: pools.burst ? this.burstPool.available(now) : 0,
      burstMinPriority: this.burstMinPriority,
      agentWaiting: this.waiters.agentDepth(request.agent),
      queueDepth: this.waiters.depth,
      maxQueueDepth: this.maxQueueDepth,
      maxAgentQueueDepth: this.maxQueueDepthPerAgent,
      waitMs,
      maxWaitMs: this.maxWaitMs,
      deadline: request.deadline,
      ...(!bucket.named && {
        newcomer: {
          available: pools.newcomers ? this.newcomerPool.available(now) : 0,
          allowanceLeft: this.ledger.newcomerLeft(request.agent, this.newcomerAllowance, now),
        },
      }),
    });
    if (decision.wouldBe !== undefined) return this.observe(request, now, decision, decision.wouldBe.action);
    switch (decision.action) {
      case 'forward':
        this.counters.forwarded++;
        return Promise.resolve(this.grant(request, 'allocation', now, 0, decision));
      case 'forward-from-burst':
        return this.fromPool('burst', request, now, decision, pools);
      case 'forward-from-newcomers':
        return this.fromPool('newcomer', request, now, decision, pools);
      case 'queue':
        return this.enqueue(request, now, decision);
      case 'reject':
        return Promise.resolve(this.refuse(request, decision.reason as RefusalReason, now, 0, decision, waitMs));
    }
  }

  /** Draw the whole cost from the burst pool or the newcomer reserve; short of it, decide again without that pool. */
  private async fromPool(source: PoolSource, request: AcquireRequest, now: number, decision: Decision, pools: PoolsToTry): Promise<AdmissionResult> {
    const granted = await this.take(source, request.agent, request.cost, now);
    const later = this.clock.now();
    if (granted >= request.cost && request.signal?.aborted !== true) {
      this.counters[source]++;
      if (source === 'newcomer') this.counters.forwarded++;
      // Stamped with the take's time, so a give-back finds the pool of that tick.
      return this.grant(request, source, now, 0, decision);
    }
    if (granted > 0) this.give(source, request.agent, granted, now, later);
    if (request.signal?.aborted === true) return this.refuse(request, 'aborted', later, 0, decision);
    // The pool had less than it seemed (another process drew it): decide again without it.
    return this.attempt(request, later, source === 'burst' ? { ...pools, burst: false } : { ...pools, newcomers: false });
  }

  private async observe(request: AcquireRequest, now: number, decision: Decision, wouldBe: AdmissionAction): Promise<AdmissionResult> {
    this.counters.observed[wouldBe]++;
    this.counters.forwarded++;
    if (wouldBe === 'forward') return this.grant(request, 'allocation', now, 0, decision);
    if (wouldBe === 'forward-from-burst' || wouldBe === 'forward-from-newcomers') {
      const source = wouldBe === 'forward-from-burst' ? 'burst' : 'newcomer';
      const granted = await this.take(source, request.agent, request.cost, now);
      if (granted >= request.cost) return this.grant(request, source, now, 0, decision);
      if (granted > 0) this.give(source, request.agent, granted, now, this.clock.now());
    }
    // Would have waited or been refused: forwarded without charging the bucket, so the bucket keeps
    // simulating what enforcement would have let through.
    return this.grant(request, 'observe', now, 0, decision);
  }

  private enqueue(request: AcquireRequest, now: number, decision: Decision): Promise<AdmissionResult> {
    this.counters.queued++;
    return new Promise<AdmissionResult>((resolve) => {
      this.waiters.add({
        agent: request.agent,
        cost: request.cost,
        rank: priorityRank(request.priority ?? 'normal'),
        deadline: request.deadline,
        seq: ++this.seq,
        heapIndex: -1,
        enqueuedAt: now,
        maxWaitMs: this.maxWaitMs,
        signal: request.signal,
        request,
        decision,
        resolve,
      });
    });
  }

  private grant(
    request: AcquireRequest,
    source: ReservationSource,
    now: number,
    queuedMs: number,
    decision: Decision,
  ): AdmissionGranted {
    const reservation = this.ledger.reserve(request.agent, request.cost, now, source);
    return { admitted: true, reservation, source: source === 'burst' ? 'burst' : 'allocation', queuedMs, decision };
  }

  private refuse(
    request: AcquireRequest,
    reason: RefusalReason,
    now: number,
    queuedMs: number,
    decision: Decision | undefined,
    /** The wait the caller already worked out for this agent at `now`, if it did. */
    waitMs?: number,
  ): AdmissionRefused {
    this.counters.rejected[reason]++;
    const wait = waitMs ?? this.waitFor(request, now);
    // A bucket that never refills (a newcomer past the reserve, a zero allocation) has nothing to wait for
    // before the next reallocation, which runs at the next wall-clock tick boundary.
    const tick = this.ledger.tick;
    const retryAfterMs = Number.isFinite(wait) ? Math.max(1, wait) : Math.max(1, tick - (now % tick));
    return { admitted: false, reason, retryAfterMs, queuedMs, decision };
  }

  /** How long until the agent's bucket, less the cost queued ahead of this request, turns positive. */
  private waitFor(request: AcquireRequest, now: number, bucket = this.ledger.view(request.agent, now)): number {
    const probe = { rank: priorityRank(request.priority ?? 'normal'), deadline: request.deadline, seq: this.seq + 1 };
    return msUntilPositive(bucket.balance - this.waiters.costAhead(request.agent, probe), bucket.rate);
  }

  private end(id: number, actual: number | undefined): boolean {
    const r = this.ledger.reservation(id);
    const now = this.clock.now();
    const ok = actual === undefined ? this.ledger.release(id, now) : this.ledger.settle(id, actual, now);
    if (!ok || r === undefined) return false;
    if (r.source === 'burst' || r.source === 'newcomer') {
      const unused = actual === undefined ? r.amount : r.amount - actual;
      if (unused > 0) this.give(r.source, r.agent, unused, r.at, now);
    }
    // A refund may make the balance positive before the refill timer would.
    if (this.waiters.agentDepth(r.agent) > 0) this.waiters.drain(r.agent, now);
    return true;
  }

  private pool(source: PoolSource): TickPool {
    return source === 'burst' ? this.burstPool : this.newcomerPool;
  }

  private async take(source: PoolSource, agent: string, amount: number, now: number): Promise<number> {
    try {
      return await this.pool(source).take(agent, amount, now);
    } catch {
      this.counters.burstErrors++;
      return 0;
    }
  }

  private give(source: PoolSource, agent: string, amount: number, takenAt: number, now: number): void {
    try {
      const done = this.pool(source).give(agent, amount, takenAt, now);
      if (done instanceof Promise) done.catch(() => this.counters.burstErrors++);
    } catch {
      this.counters.burstErrors++;
    }
  }
}

/** The per-tick pools a request may still draw on in this attempt (each is tried at most once). */
interface PoolsToTry {
  burst: boolean;
  newcomers: boolean;
}

/** Reservation sources backed by a tick pool. */
type PoolSource = 'burst' | 'newcomer';

function leaveReason(reason: LeaveReason): RefusalReason {
  return reason === 'deadline' ? 'deadline-passed' : reason;
}
