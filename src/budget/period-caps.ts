import { agentScope, CAP_PERIODS, FLEET_SCOPE, teamScope, type CapAction, type CapPeriod, type CapRule } from '../domain/cap-rule.js';
import type { TeamOf } from '../domain/team.js';
import { capOpId } from '../store/cap-counter.js';
import type { CapCounterRef, CapCounterState, Store } from '../store/store.js';
import { periodCounter, periodId } from './cap-period.js';

/** The Store members period caps need (a failover wrapper implements them too). */
export type CapCounters = Pick<Store, 'capReserve' | 'capAdd' | 'capCounters'>;

/** One cap in its current period, as alerts, the admin API and metrics read it. Amounts in the pool's unit. */
export interface CapSnapshot {
  scope: string;
  period: CapPeriod;
  /** `day:2026-12-06` or `month:2026-12`. */
  periodId: string;
  /** Charged by settled requests. */
  used: number;
  /** Held by admitted requests not settled yet. */
  reserved: number;
  limit: number;
  action: CapAction;
  /** Unix ms of the next reset (UTC midnight, or the 1st). */
  resetsAt: number;
}

/** Told after a settlement changed a cap's usage (the alerts module listens). */
export type CapUsageListener = (cap: CapSnapshot) => void;

/** An agent's spend in the current UTC day and month, in the pool's unit (settled charges). */
export interface AgentSpend {
  day: { periodId: string; used: number };
  month: { periodId: string; used: number };
}

/** A reservation refused: `cap` is the first blocking cap at or over its limit. */
export interface CapRefused {
  admitted: false;
  cap: CapSnapshot;
}

/** A reservation that landed; in observe mode, `wouldBlock` names the cap that enforcing would have refused it on. */
export interface CapAdmitted {
  admitted: true;
  hold: CapHold;
  wouldBlock?: CapSnapshot;
}

export interface PeriodCapsOptions {
  rules: readonly CapRule[];
  counters: CapCounters;
  /** The agent's team, for `team:<name>` scopes. */
  teamOf: TeamOf;
  /** False in observe mode: never refuse; say which cap would have. */
  enforce: boolean;
  onUsage?: CapUsageListener;
  /** Told when a settlement could not be written (the counters keep the reservation then), or a listener threw. */
  onError?: (err: unknown) => void;
}


/** One counter a request touches: a rule's, or the agent's own spend tracking (no rule, no limit). */
interface Touch {
  ref: CapCounterRef;
  period: CapPeriod;
  resetsAt: number;
  rule?: CapRule;
}

/**
 * Period caps (DESIGN §9) over an atomic counter store: for each request, every cap scope it falls in
 * (fleet, its team, itself) plus its own day and month spend, checked and reserved in one store call.
 * The arithmetic of "under the limit" is the store's (atomic across proxies); this class picks the counters
 * and turns the answer into a decision. Amounts are abstract (the pool's unit), so the `usd` unit can feed
 * dollars without changing it.
 */
export class PeriodCaps {
  /** Last seen state of each rule's counter, keyed by scope and period (for metrics, without a store read). */
  private readonly seen = new Map<string, CapCounterState>();

  constructor(private readonly options: PeriodCapsOptions) {}

  /** Check every cap `agent` falls in and reserve `amount` on each; refused when a blocking cap is at or over its limit. */
  async reserve(agent: string, amount: number, now: number): Promise<CapAdmitted | CapRefused> {
    const touches = this.touchesOf(agent, now);
    const result = await this.options.counters.capReserve(touches.map((t) => t.ref), amount);
    this.see(touches, result.counters);
    const blocked = touches[result.blocked];
    if (blocked?.rule !== undefined) return { admitted: false, cap: snapshotOf(blocked.rule, blocked, result.counters[result.blocked]) };
    const hold = new CapHold((charged) => this.end(touches, charged, amount), amount);
    if (this.options.enforce) return { admitted: true, hold };
    // Observe mode reserves without limits: a cap was already reached if it was before this reservation.
    const i = touches.findIndex((t, j) => t.rule?.action === 'block' && total(result.counters[j]) - amount >= t.rule.limit);
    const would = touches[i];
    return would?.rule !== undefined ? { admitted: true, hold, wouldBlock: snapshotOf(would.rule, would, result.counters[i]) } : { admitted: true, hold };
  }

  /** Every cap in its current period, read from the store. */
  async snapshot(now: number): Promise<CapSnapshot[]> {
    const touches = this.options.rules.map((rule) => touch(rule.scope, rule.period, now, rule, true));
    const states = await this.options.counters.capCounters(touches.map((t) => t.ref));
    this.see(touches, states);
    return touches.map((t, i) => snapshotOf(t.rule!, t, states[i]));
  }

  /** Every cap as this proxy last saw it (no store read; zero before it saw the current period). */
  lastSeen(now: number): CapSnapshot[] {
    return this.options.rules.map((rule) => {
      const t = touch(rule.scope, rule.period, now, rule, true);
      const state = this.seen.get(ruleKey(rule));
      return snapshotOf(rule, t, state?.periodId === t.ref.periodId ? state : undefined);
    });
  }

  /** The agent's settled spend today and this month. */
  async agentSpend(agent: string, now: number): Promise<AgentSpend> {
    const [day, month] = CAP_PERIODS.map((p) => ({ scope: agentScope(agent), periodId: periodId(p, now) }));
    const [d, m] = await this.options.counters.capCounters([day!, month!]);
    return { day: { periodId: day!.periodId, used: d?.used ?? 0 }, month: { periodId: month!.periodId, used: m?.used ?? 0 } };
  }

  /** End a hold: add `used` and take back its reservation on every counter it touched, then tell the listener. */
  private end(touches: readonly Touch[], used: number, reserved: number): void {
    const deltas = touches.map((t) => ({ scope: t.ref.scope, periodId: t.ref.periodId, expiresAt: t.ref.expiresAt, used, reserved: -reserved }));
    this.options.counters.capAdd(deltas, capOpId()).then(
      (states) => {
        this.see(touches, states);
        const listener = this.options.onUsage;
        if (listener === undefined || used === 0) return;
        touches.forEach((t, i) => {
          if (t.rule === undefined) return;
          try {
            listener(snapshotOf(t.rule, t, states[i]));
          } catch (err) {
            // A listener's failure is its own: never an unhandled rejection on the request path.
            this.options.onError?.(err);
          }
        });
      },
      (err: unknown) => this.options.onError?.(err),
    );
  }

  /** The rules' counters the agent falls in, then its own day and month spend where no rule already counts it. */
  private touchesOf(agent: string, now: number): Touch[] {
    const { rules, teamOf, enforce } = this.options;
    const scopes = new Set([FLEET_SCOPE, teamScope(teamOf(agent)), agentScope(agent)]);
    const touches = rules.filter((r) => scopes.has(r.scope)).map((r) => touch(r.scope, r.period, now, r, enforce && r.action === 'block'));
    const own = agentScope(agent);
    for (const period of CAP_PERIODS) {
      if (!touches.some((t) => t.ref.scope === own && t.period === period)) touches.push(touch(own, period, now));
    }
    return touches;
  }

  private see(touches: readonly Touch[], states: readonly CapCounterState[]): void {
    touches.forEach((t, i) => {
      const state = states[i];
      if (t.rule !== undefined && state !== undefined) this.seen.set(ruleKey(t.rule), state);
    });
  }
}

/**
 * What one admitted request holds against its caps: ended once, by `settle` (the charge replaces the
 * reservation) or `release` (nothing charged). The admitted request that owns it ends it.
 */
export class CapHold {
  private ended = false;

  constructor(
    /** Replaces the reservation with `charged` on every counter, in the periods it was reserved in. */
    private readonly finish: (charged: number) => void,
    /** What was reserved on each counter. */
    readonly amount: number,
  ) {}

  /** Charge `charged` (the pool's unit) in place of the reservation. */
  settle(charged: number): void {
    if (this.ended) return;
    this.ended = true;
    this.finish(charged);
  }

  /** Charge nothing. */
  release(): void {
    this.settle(0);
  }
}

function touch(scope: string, period: CapPeriod, now: number, rule?: CapRule, limited = false): Touch {
  const { periodId, resetsAt, expiresAt } = periodCounter(period, now);
  const ref: CapCounterRef = { scope, periodId, expiresAt };
  if (limited && rule !== undefined) ref.limit = rule.limit;
  return rule === undefined ? { ref, period, resetsAt } : { ref, period, resetsAt, rule };
}

function snapshotOf(rule: CapRule, t: Touch, state: CapCounterState | undefined): CapSnapshot {
  return {
    scope: rule.scope,
    period: rule.period,
    periodId: t.ref.periodId,
    used: state?.used ?? 0,
    reserved: state?.reserved ?? 0,
    limit: rule.limit,
    action: rule.action,
    resetsAt: t.resetsAt,
  };
}

function total(state: CapCounterState | undefined): number {
  return (state?.used ?? 0) + (state?.reserved ?? 0);
}

function ruleKey(rule: CapRule): string {
  return `${rule.scope}\n${rule.period}`;
}
