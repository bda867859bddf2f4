/**
 * How long until a bucket admits again, from its refill rate (pure). Admission needs a positive balance
 * (DESIGN §6), so "until positive" is what a refused client should wait; "until it covers" is offered for
 * callers that want a request to fit without debt.
 */

/** Whole ms until `balance` refilled at `rate` (tokens per ms) is strictly positive: 0 if it already is, Infinity if it never will. */
export function msUntilPositive(balance: number, rate: number): number {
  if (balance > 0) return 0;
  if (!(rate > 0)) return Infinity;
  // floor + 1: at exactly -balance/rate ms the balance is 0, which does not admit.
  return Math.floor(-balance / rate) + 1;
}

/** Whole ms until `balance` refilled at `rate` reaches `cost`: 0 if it already does, Infinity if it never will. */
export function msUntilCovers(balance: number, cost: number, rate: number): number {
  if (balance >= cost) return 0;
  if (!(rate > 0)) return Infinity;
  return Math.ceil((cost - balance) / rate);
}

/** The two refusal headers SDKs read: `retry-after` in whole seconds (ceil, at least 1) and `retry-after-ms` (ceil, at least 1). */
export function retryAfterHeaders(ms: number): { 'retry-after': string; 'retry-after-ms': string } {
  const wait = Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : 1;
  return {
    'retry-after': String(Math.max(1, Math.ceil(wait / 1000))),
    'retry-after-ms': String(wait),
  };
}
