import { priorityAtLeast, type PriorityClass } from '../domain/priority.js';

/**
 * The admission decision (DESIGN §3 "Over budget", §6 "Enforcement"), pure: plain data and `now` in,
 * an action and its reason out. The caller reserves, draws, queues or refuses accordingly.
 */

export type AdmissionAction = 'forward' | 'forward-from-burst' | 'forward-from-newcomers' | 'queue' | 'reject';

export type DecisionReason =
  /** The bucket is positive and nobody of this agent waits: admitted (may go into debt by this one request). */
  | 'balance-positive'
  /** Over budget, but the priority passes the burst gate and the pool holds the whole cost. */
  | 'burst'
  /** Not named by the table: paid from the newcomer reserve, which holds the whole cost (DESIGN §8). */
  | 'newcomer'
  /** Over budget: waits for refills. */
  | 'over-budget'
  /** The bucket is positive but earlier waiters of this agent go first: joins the queue (released at once in order). */
  | 'behind-waiters'
  /** The queue is at its global or per-agent depth limit. */
  | 'queue-full'
  /** Refills would not admit it within the max wait. */
  | 'wait-too-long'
  /** Refills would not admit it before its own deadline. */
  | 'deadline-too-soon'
  /** Its deadline has already passed. */
  | 'deadline-passed'
  /** Observe mode: forwarded whatever `wouldBe` says. */
  | 'observe';

export interface Decision {
  action: AdmissionAction;
  reason: DecisionReason;
  /** Observe mode only: what enforce mode would have done. */
  wouldBe?: { action: AdmissionAction; reason: DecisionReason };
}

export interface DecideInput {
  mode: 'enforce' | 'observe';
  now: number;
  /** The agent's bucket balance at `now` (negative is debt). */
  balance: number;
  /** Tokens the request reserves (estimated input + expected output). */
  cost: number;
  priority: PriorityClass;
  /** Tokens the burst pool holds (best known). */
  burstAvailable: number;
  /** Least urgent class allowed to draw from the pool. */
  burstMinPriority: PriorityClass;
  /** Requests of this agent already waiting. */
  agentWaiting: number;
  /** Requests waiting, all agents. */
  queueDepth: number;
  maxQueueDepth: number;
  maxAgentQueueDepth: number;
  /** Estimated ms until refills would admit this request, counting the waiters ahead of it (Infinity if never). */
  waitMs: number;
  maxWaitMs: number;
  /** The request's own deadline (unix ms), if it gave one. */
  deadline?: number;
  /** Present only for an agent the allocation table does not name: what the newcomer reserve offers it. */
  newcomer?: {
    /** Tokens the newcomer reserve holds (best known). */
    available: number;
    /** What is left of the agent's allowance from the reserve this tick (may be ≤ 0). */
    allowanceLeft: number;
  };
}

function enforce(input: DecideInput): Decision {
  if (input.deadline !== undefined && input.deadline <= input.now) {
    return { action: 'reject', reason: 'deadline-passed' };
  }
  // Admitted while its allowance is positive (overshoot at most one request, like a bucket); the reserve
  // itself must hold the whole cost, so newcomer grants never exceed it.
  const n = input.newcomer;
  if (n !== undefined && n.allowanceLeft > 0 && n.available >= input.cost) return { action: 'forward-from-newcomers', reason: 'newcomer' };
  const positive = input.balance > 0;
  if (positive && input.agentWaiting === 0) return { action: 'forward', reason: 'balance-positive' };
  // With a positive balance the queue releases at once, so the shared pool is kept for real shortage.
  if (!positive && priorityAtLeast(input.priority, input.burstMinPriority) && input.burstAvailable >= input.cost) {
    return { action: 'forward-from-burst', reason: 'burst' };
  }
  if (input.queueDepth >= input.maxQueueDepth || input.agentWaiting >= input.maxAgentQueueDepth) {
    return { action: 'reject', reason: 'queue-full' };
  }
  const untilDeadline = input.deadline === undefined ? Infinity : input.deadline - input.now;
  if (input.waitMs > Math.min(input.maxWaitMs, untilDeadline)) {
    return { action: 'reject', reason: untilDeadline < input.maxWaitMs ? 'deadline-too-soon' : 'wait-too-long' };
  }
  return { action: 'queue', reason: positive ? 'behind-waiters' : 'over-budget' };
}

/** Decide what to do with one request. In observe mode the action is always `forward`, with the enforce decision in `wouldBe`. */
export function decide(input: DecideInput): Decision {
  const d = enforce(input);
  if (input.mode === 'observe') return { action: 'forward', reason: 'observe', wouldBe: d };
  return d;
}
