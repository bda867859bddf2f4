import type { Clock, Scheduler, TimerHandle } from './clock.js';
import { compareEntries, PriorityQueue, type QueueEntry } from './priority-queue.js';
import { msUntilPositive } from './retry-after.js';

/**
 * Requests waiting for their agent's bucket to refill (DESIGN §3 "Over budget"). One queue per agent, since
 * each bucket refills on its own; the depth limit is global. For each agent with waiters one timer is set
 * for the moment refills make the balance positive (the admission rule does not depend on the cost, so that
 * moment is the same whichever waiter is at the head). Each waiter also has an expiry timer at
 * min(enqueued + max wait, its deadline), and leaves at once when its client's AbortSignal fires.
 */

/** Why a waiter left without being admitted. */
export type LeaveReason = 'max-wait' | 'deadline' | 'aborted' | 'shutdown';

/** A waiting request. Fields after `signal` are owned by {@link Waiters}. */
export interface Waiter extends QueueEntry {
  readonly agent: string;
  readonly cost: number;
  readonly enqueuedAt: number;
  readonly maxWaitMs: number;
  readonly signal: AbortSignal | undefined;
  expiryTimer?: TimerHandle;
  onAbort?: () => void;
}

/** How the queue reads buckets and hands waiters back to admission. */
export interface WaitersHooks<W extends Waiter> {
  /** The agent's bucket at `now`. */
  bucket(agent: string, now: number): { balance: number; rate: number };
  /** The head of `w.agent`'s queue may go: reserve for it (which lowers the balance) and resolve it. */
  admit(w: W, now: number): void;
  /** `w` left without admission: resolve it with a refusal. */
  leave(w: W, reason: LeaveReason, now: number): void;
}

interface AgentQueue<W extends Waiter> {
  readonly agent: string;
  readonly heap: PriorityQueue<W>;
  timer?: TimerHandle;
  timerAt?: number;
}

/** The queue of waiting requests, all agents. */
export class Waiters<W extends Waiter> {
  private readonly queues = new Map<string, AgentQueue<W>>();
  private total = 0;

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly hooks: WaitersHooks<W>,
  ) {}

  /** Requests waiting, all agents. */
  get depth(): number {
    return this.total;
  }

  /** Requests of `agent` waiting. */
  agentDepth(agent: string): number {
    return this.queues.get(agent)?.heap.size ?? 0;
  }

  /** Tokens queued by `agent` ahead of an entry with this order (what must be admitted before it). */
  costAhead(agent: string, probe: Pick<QueueEntry, 'rank' | 'deadline' | 'seq'>): number {
    const q = this.queues.get(agent);
    if (q === undefined) return 0;
    const entry = { ...probe, heapIndex: -1 };
    let sum = 0;
    for (const w of q.heap.values()) if (compareEntries(w, entry) < 0) sum += w.cost;
    return sum;
  }

  /** Queue `w` (its `enqueuedAt` is now), then release whatever the bucket already allows. */
  add(w: W): void {
    let q = this.queues.get(w.agent);
    if (q === undefined) {
      q = { agent: w.agent, heap: new PriorityQueue<W>() };
      this.queues.set(w.agent, q);
    }
    q.heap.push(w);
    this.total++;
    const expiresAt = this.expiresAt(w);
    if (Number.isFinite(expiresAt)) {
      w.expiryTimer = this.scheduler.setTimeout(() => this.expire(w), Math.max(0, expiresAt - w.enqueuedAt));
    }
    if (w.signal !== undefined) {
      const onAbort = (): void => {
        if (!this.detach(w)) return;
        this.hooks.leave(w, 'aborted', this.clock.now());
        this.tidy(w.agent);
      };
      w.onAbort = onAbort;
      w.signal.addEventListener('abort', onAbort, { once: true });
    }
    this.drain(w.agent);
  }

  /** Release `agent`'s waiters the bucket now allows, in order, and re-arm its refill timer. */
  drain(agent: string, now: number = this.clock.now()): void {
    const q = this.queues.get(agent);
    if (q === undefined) return;
    for (let head = q.heap.peek(); head !== undefined; head = q.heap.peek()) {
      // A timer may lag its instant: a waiter is never admitted at or past its expiry.
      const reason = this.expiredReason(head, now);
      if (reason !== undefined) {
        this.detach(head);
        this.hooks.leave(head, reason, now);
        continue;
      }
      const { balance, rate } = this.hooks.bucket(agent, now);
      if (!(balance > 0)) {
        this.arm(q, now + msUntilPositive(balance, rate), now);
        return;
      }
      this.detach(head);
      this.hooks.admit(head, now);
    }
    this.tidy(agent);
  }

  /** Drain every agent (after the allocation table changed their rates). */
  drainAll(now: number = this.clock.now()): void {
    for (const agent of [...this.queues.keys()]) this.drain(agent, now);
  }

  /** Refuse everyone still waiting (shutdown). */
  close(): void {
    const now = this.clock.now();
    for (const q of [...this.queues.values()]) {
      for (const w of [...q.heap.values()]) {
        this.detach(w);
        this.hooks.leave(w, 'shutdown', now);
      }
      this.tidy(q.agent);
    }
  }

  private expiresAt(w: W): number {
    const byWait = w.enqueuedAt + w.maxWaitMs;
    return w.deadline !== undefined && w.deadline < byWait ? w.deadline : byWait;
  }

  private expiredReason(w: W, now: number): LeaveReason | undefined {
    if (w.deadline !== undefined && w.deadline <= now) return 'deadline';
    if (w.enqueuedAt + w.maxWaitMs <= now) return 'max-wait';
    return undefined;
  }

  private expire(w: W): void {
    w.expiryTimer = undefined;
    const now = this.clock.now();
    if (!this.detach(w)) return;
    // A real timer may fire a hair early; it was set for whichever limit comes first.
    const byDeadline = w.deadline !== undefined && w.deadline <= w.enqueuedAt + w.maxWaitMs;
    this.hooks.leave(w, this.expiredReason(w, now) ?? (byDeadline ? 'deadline' : 'max-wait'), now);
    this.tidy(w.agent);
  }

  /** Take `w` out of its queue and drop its timers and listener; false if it was not queued. */
  private detach(w: W): boolean {
    const q = this.queues.get(w.agent);
    if (q === undefined || !q.heap.remove(w)) return false;
    this.total--;
    if (w.expiryTimer !== undefined) {
      this.scheduler.clearTimeout(w.expiryTimer);
      w.expiryTimer = undefined;
    }
    if (w.onAbort !== undefined) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.onAbort = undefined;
    }
    return true;
  }

  /** Forget an agent's queue once empty, with its timer. */
  private tidy(agent: string): void {
    const q = this.queues.get(agent);
    if (q === undefined || q.heap.size > 0) return;
    this.disarm(q);
    this.queues.delete(agent);
  }

  private arm(q: AgentQueue<W>, at: number, now: number): void {
    if (!Number.isFinite(at)) {
      // No refill (allocation 0): only expiry, aborts, refunds or a new table release these waiters.
      this.disarm(q);
      return;
    }
    if (q.timer !== undefined && q.timerAt === at) return;
    this.disarm(q);
    q.timerAt = at;
    q.timer = this.scheduler.setTimeout(() => {
      q.timer = undefined;
      q.timerAt = undefined;
      this.drain(q.agent);
    }, Math.max(0, at - now));
  }

  private disarm(q: AgentQueue<W>): void {
    if (q.timer !== undefined) this.scheduler.clearTimeout(q.timer);
    q.timer = undefined;
    q.timerAt = undefined;
  }
}
