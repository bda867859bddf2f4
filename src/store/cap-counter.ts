/**
 * The period-cap counters' arithmetic, shared by every backend (the Redis Lua script mirrors it and the
 * contract suite holds them to the same results). Pure: plain numbers in, plain numbers out.
 */
import { randomBytes } from 'node:crypto';
import type { CapCounterRef, CapCounterState } from './store.js';

/** A counter is under its limit while settled plus reserved is below it; no limit: always. */
export function capUnder(state: Pick<CapCounterState, 'used' | 'reserved'>, limit: number | undefined): boolean {
  return limit === undefined || state.used + state.reserved < limit;
}

/** The index of the first ref whose counter is not under its limit, or -1 when a reservation may land. */
export function capBlocked(refs: readonly CapCounterRef[], states: readonly Pick<CapCounterState, 'used' | 'reserved'>[]): number {
  return refs.findIndex((ref, i) => !capUnder(states[i] ?? { used: 0, reserved: 0 }, ref.limit));
}

/** `scope\nperiodId`: one map key per counter (a scope never holds a newline: config validates it). */
export function capKey(key: { scope: string; periodId: string }): string {
  return `${key.scope}\n${key.periodId}`;
}

/** Amounts as counters read them: NaN and infinities count as 0 (negatives stay: a reservation ending). */
export function finiteAmount(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

/** How long Redis remembers a `capAdd` op id: far longer than any retry of it (embedded stores drop them at prune). */
export const CAP_OP_TTL_MS = 24 * 3_600_000;

/** A fresh `capAdd` op id, unique across processes. */
export function capOpId(): string {
  return randomBytes(12).toString('base64url');
}
