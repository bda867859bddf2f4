import type { CapCounters } from '../budget/period-caps.js';
import { capKey, capOpId, capUnder } from '../store/cap-counter.js';
import type { CapCounterKey, CapCounterRef, CapCounterState, CapDelta, CapReserveResult } from '../store/store.js';

export interface FailoverCapCountersOptions {
  /** Whether the shared store answers now. */
  isUp: () => boolean;
  /** `TOKEN_NINJA_STORE_FAILURE=open`: decide on local counts while the store fails; else a reservation fails with it. */
  failOpen: boolean;
  /** Proxies in the fleet as last seen (at least 1): while the store is down, this proxy admits up to its part of each cap's room. */
  fleetSize: () => number;
}

/**
 * The period-cap counters of the shared store, and while it fails (fail-open) local counts: each cap's last
 * seen state plus what this proxy reserved and charged since, admitting up to this proxy's part of the
 * room that was left (room / proxies, as the burst pool does). What could not be written — local
 * reservations, settlements — is added to the store once it answers again, before anything newer. An
 * addition that failed may have landed unseen (a timeout): it is retried unchanged under its op id, which
 * the store applies once. In fail-closed mode a failed reservation throws (the request gets 503); a failed
 * settlement is still kept and reconciled.
 */
export class FailoverCapCounters implements CapCounters {
  /** The store's last answer per counter that has a limit (only those are decided locally). */
  private readonly seen = new Map<string, CapCounterState>();
  /** Additions sent that failed (they may have landed), oldest first: retried as they are. */
  private unsent: Array<{ opId: string; deltas: readonly CapDelta[] }> = [];
  /** Local reservations and settlements never sent, merged per counter. */
  private pending = new Map<string, CapDelta>();
  /** The replay under way, if any. */
  private reconciling: Promise<void> | undefined;

  constructor(
    private readonly shared: CapCounters,
    private readonly options: FailoverCapCountersOptions,
  ) {}

  async capReserve(refs: readonly CapCounterRef[], amount: number): Promise<CapReserveResult> {
    const { failOpen, isUp } = this.options;
    if (isUp() || !failOpen) {
      try {
        await this.reconcile();
        const result = await this.shared.capReserve(refs, amount);
        refs.forEach((r, i) => {
          const state = result.counters[i];
          if (r.limit !== undefined && state !== undefined) this.seen.set(capKey(r), state);
        });
        return result;
      } catch (err) {
        if (!failOpen) throw err;
      }
    }
    const fleet = Math.max(1, this.options.fleetSize());
    const blocked = refs.findIndex((r) => {
      if (r.limit === undefined) return false;
      const seen = this.seen.get(capKey(r));
      const room = r.limit - (seen === undefined ? 0 : seen.used + seen.reserved);
      return !capUnder(this.pendingOf(r), room / fleet);
    });
    if (blocked < 0) for (const r of refs) this.addPending({ scope: r.scope, periodId: r.periodId, expiresAt: r.expiresAt, used: 0, reserved: Math.max(0, amount) });
    return { blocked, counters: refs.map((r) => this.local(r)) };
  }

  async capAdd(deltas: readonly CapDelta[], opId: string): Promise<CapCounterState[]> {
    let sent = false;
    if (this.options.isUp()) {
      try {
        await this.reconcile();
        sent = true;
        const states = await this.shared.capAdd(deltas, opId);
        deltas.forEach((d, i) => {
          const state = states[i];
          if (state !== undefined && this.seen.has(capKey(d))) this.seen.set(capKey(d), state);
        });
        return states;
      } catch {
        // Kept below and added once the store answers.
      }
    }
    if (sent) this.unsent.push({ opId, deltas });
    else for (const d of deltas) this.addPending(d);
    return deltas.map((d) => this.local(d));
  }

  async capCounters(keys: readonly CapCounterKey[]): Promise<CapCounterState[]> {
    if (this.options.isUp()) {
      try {
        await this.reconcile();
        return await this.shared.capCounters(keys);
      } catch {
        // Answer from local counts below.
      }
    }
    return keys.map((k) => this.local(k));
  }

  /**
   * Add what could not be written to the store, oldest first; on failure the rest stays (and the error is
   * thrown). One replay at a time: callers arriving meanwhile wait for it instead of sending the backlog again
   * (a batch sent twice would still be applied once, by its op id, but every request would wait for all of it).
   */
  reconcile(): Promise<void> {
    this.reconciling ??= this.replay().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async replay(): Promise<void> {
    if (this.pending.size > 0) {
      this.unsent.push({ opId: capOpId(), deltas: [...this.pending.values()] });
      this.pending = new Map();
    }
    for (const batch of [...this.unsent]) {
      await this.shared.capAdd(batch.deltas, batch.opId);
      this.unsent = this.unsent.filter((b) => b !== batch);
    }
  }

  /** Last seen plus what is not written yet: this proxy's view of a counter while the store is away. */
  private local(key: CapCounterKey): CapCounterState {
    const seen = this.seen.get(capKey(key));
    const p = this.pendingOf(key);
    return { scope: key.scope, periodId: key.periodId, used: (seen?.used ?? 0) + p.used, reserved: (seen?.reserved ?? 0) + p.reserved };
  }

  /** This proxy's additions to a counter not known to be in the store (pending or failed). */
  private pendingOf(key: CapCounterKey): { used: number; reserved: number } {
    const k = capKey(key);
    const p = this.pending.get(k);
    const sum = { used: p?.used ?? 0, reserved: p?.reserved ?? 0 };
    for (const batch of this.unsent) {
      for (const d of batch.deltas) {
        if (capKey(d) !== k) continue;
        sum.used += d.used;
        sum.reserved += d.reserved;
      }
    }
    return sum;
  }

  private addPending(d: CapDelta): void {
    const key = capKey(d);
    const p = this.pending.get(key);
    this.pending.set(key, p === undefined ? { ...d } : { ...p, used: p.used + d.used, reserved: p.reserved + d.reserved, expiresAt: Math.max(p.expiresAt, d.expiresAt) });
  }
}
