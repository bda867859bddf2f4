/** `x-ratelimit-*-tokens` response headers (DESIGN §3), computed from a bucket snapshot (pure). */

/** The bucket figures the headers need; a ledger `BucketView` fits. */
export interface BucketSnapshot {
  /** Tokens per tick. */
  allocation: number;
  tickMs: number;
  /** Tokens per ms. */
  rate: number;
  capacity: number;
  /** May be negative (debt). */
  balance: number;
}

/** Header name → value, lower-case names. */
export interface RateLimitHeaders {
  'x-ratelimit-limit-tokens': string;
  'x-ratelimit-remaining-tokens': string;
  'x-ratelimit-reset-tokens': string;
}

/**
 * Format ms as OpenAI (Go `time.Duration`) does: `120ms` under a second, else `1.5s`, `6m0s`, `1h2m3s`
 * (hours and minutes shown once a larger unit is present; seconds keep up to 3 decimals, trailing zeros dropped).
 */
export function formatResetDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  const total = Math.ceil(ms);
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secMs = total % 60_000;
  const whole = Math.floor(secMs / 1000);
  const frac = secMs % 1000;
  const seconds = frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** Ms until the bucket is full again: 0 when full, Infinity when it does not refill. */
export function msUntilFull(bucket: BucketSnapshot): number {
  if (bucket.balance >= bucket.capacity) return 0;
  if (!(bucket.rate > 0)) return Infinity;
  return Math.ceil((bucket.capacity - bucket.balance) / bucket.rate);
}

/**
 * The three headers: limit = allocation in tokens per minute (as OpenAI means it), remaining = balance now
 * floored at 0, reset = time until the bucket is full. A bucket in another unit (dollars) is shown in tokens
 * of the request's model: `tokensPerUnit` of them per unit. A bucket that never refills (allocation 0) reports
 * `0s` rather than an unbounded duration: it has nothing to wait for until the next reallocation.
 */
export function rateLimitHeaders(bucket: BucketSnapshot, tokensPerUnit = 1): RateLimitHeaders {
  const perMinute = bucket.tickMs > 0 ? (bucket.allocation * 60_000) / bucket.tickMs : 0;
  const untilFull = msUntilFull(bucket);
  return {
    'x-ratelimit-limit-tokens': String(Math.round(perMinute * tokensPerUnit)),
    'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(bucket.balance * tokensPerUnit))),
    'x-ratelimit-reset-tokens': formatResetDuration(Number.isFinite(untilFull) ? untilFull : 0),
  };
}
