/** Exponential backoff between delivery attempts. */
export interface BackoffPolicy {
  /** Wait before the second attempt, doubled after each failure (ms). */
  baseMs: number;
  /** Longest single wait (ms). */
  maxMs: number;
}

/**
 * The wait after failed attempt `attempt` (1 for the first): half of the exponential step fixed, half
 * jittered by `random()` in [0, 1), so proxies that failed together do not retry together.
 */
export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + (step / 2) * random();
}
