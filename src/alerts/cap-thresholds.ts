/** One reading of a period cap after a charge (what the caps module tells the alerts). */
export interface CapObservation {
  /** `fleet`, `team:<name>` or `agent:<id>`. */
  scope: string;
  period: 'day' | 'month';
  /** Which day or month the usage belongs to (e.g. `2026-12-06`, `2026-12`); a new id starts afresh. */
  periodId: string;
  used: number;
  limit: number;
  /** Unix ms. */
  at: number;
}

/**
 * Which thresholds each observation crosses since the previous one of the same scope and period, pure
 * arithmetic over the last ratio seen: several at once when usage jumps, none again within the period.
 * A fresh process starts at zero and may report a crossing again; the store's claim stops the second send.
 */
export class CapThresholds {
  readonly #thresholds: readonly number[];
  /** `scope\nperiod` → the period id and usage ratio last observed. */
  readonly #last = new Map<string, { periodId: string; ratio: number }>();

  /** `thresholds`: ascending fractions of the limit, each in (0, 1]. */
  constructor(thresholds: readonly number[]) {
    this.#thresholds = thresholds;
  }

  /** The thresholds crossed since the last observation, ascending. */
  crossed(obs: CapObservation): number[] {
    if (!(obs.limit > 0) || !Number.isFinite(obs.used)) return [];
    const key = `${obs.scope}\n${obs.period}`;
    const last = this.#last.get(key);
    const before = last !== undefined && last.periodId === obs.periodId ? last.ratio : 0;
    const ratio = obs.used / obs.limit;
    // Usage only grows within a period; a lower reading (another proxy's stale view) must not re-arm a threshold.
    this.#last.set(key, { periodId: obs.periodId, ratio: Math.max(before, ratio) });
    return this.#thresholds.filter((t) => before < t && ratio >= t);
  }
}
