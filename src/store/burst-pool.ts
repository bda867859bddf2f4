/**
 * The burst pool's arithmetic, shared by every backend (the Redis Lua script mirrors it and the contract
 * suite holds them to the same results). Pure: plain numbers in, plain numbers out.
 */

/** Burst pools (and per-tick signals) an embedded store keeps: only the current tick and a few before it are ever asked for. */
export const BURST_TICKS_KEPT = 64;

/** A pool that was never touched starts full; one that outgrew a shrunken capacity is clamped to it. */
export function burstAvailable(stored: number | undefined, capacity: number): number {
  const cap = nonNegative(capacity);
  if (stored === undefined) return cap;
  return Math.min(nonNegative(stored), cap);
}

/** Grant `min(available, amount)`; returns the grant and what is left. */
export function burstTake(
  stored: number | undefined,
  capacity: number,
  amount: number,
): { granted: number; available: number } {
  const available = burstAvailable(stored, capacity);
  const granted = Math.min(available, nonNegative(amount));
  return { granted, available: available - granted };
}

/** Give tokens back, never above capacity; returns the new balance. */
export function burstReturn(stored: number | undefined, capacity: number, amount: number): number {
  return Math.min(nonNegative(capacity), burstAvailable(stored, capacity) + nonNegative(amount));
}

/** Token amounts as the pool reads them: NaN, infinite and negative count as 0. */
export function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}
