import type { CapPeriod } from '../domain/cap-rule.js';

/**
 * UTC periods of the period caps (DESIGN §9), pure: `now` in, ids and instants out. A day resets at UTC
 * midnight, a month on the 1st at UTC midnight.
 */

/** The id of the period holding `now`: `day:2026-12-06` or `month:2026-12` (UTC). */
export function periodId(period: CapPeriod, now: number): string {
  const d = new Date(now);
  const month = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
  return period === 'day' ? `day:${month}-${pad(d.getUTCDate())}` : `month:${month}`;
}

/** Unix ms at which the period holding `now` ends (the next one starts): the reset a blocked client waits for. */
export function periodResetAt(period: CapPeriod, now: number): number {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  // Date.UTC rolls day 32 or month 12 over into the next month or year, leap years included.
  return period === 'day' ? Date.UTC(y, m, d.getUTCDate() + 1) : Date.UTC(y, m + 1, 1);
}

/** How long past its period a counter is kept (so yesterday's figures can still be read for a while). */
const KEEP_AFTER_RESET_MS = 24 * 3_600_000;

/** The counter of `period` holding `now`: its id, when it resets, and how long the store keeps it. */
export function periodCounter(period: CapPeriod, now: number): { periodId: string; resetsAt: number; expiresAt: number } {
  const resetsAt = periodResetAt(period, now);
  return { periodId: periodId(period, now), resetsAt, expiresAt: resetsAt + KEEP_AFTER_RESET_MS };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
