import { describe, expect, it } from 'vitest';
import { formatResetDuration, msUntilFull, rateLimitHeaders } from '../../src/budget/rate-limit-headers.js';
import { msUntilCovers, msUntilPositive, retryAfterHeaders } from '../../src/budget/retry-after.js';

describe('formatResetDuration (OpenAI / Go duration form)', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [120, '120ms'],
    [0.2, '1ms'],
    [999, '999ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [1_250, '1.25s'],
    [1_005, '1.005s'],
    [59_999, '59.999s'],
    [360_000, '6m0s'],
    [61_500, '1m1.5s'],
    [3_723_000, '1h2m3s'],
    [3_600_000, '1h0m0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatResetDuration(ms)).toBe(text);
  });
});

describe('rateLimitHeaders', () => {
  it('reports allocation per minute, floored balance and time until full', () => {
    // 50 000 tokens per 30 s tick = 100 000 per minute; rate 50 000 / 30 000 = 5/3 token/ms.
    const bucket = { allocation: 50_000, tickMs: 30_000, rate: 50_000 / 30_000, capacity: 50_000, balance: 47_500.7 };
    // Missing 2 499.3 tokens at 5/3 per ms → 1 499.58 ms → ceil 1 500 → "1.5s".
    expect(rateLimitHeaders(bucket)).toEqual({
      'x-ratelimit-limit-tokens': '100000',
      'x-ratelimit-remaining-tokens': '47500',
      'x-ratelimit-reset-tokens': '1.5s',
    });
  });

  it('floors a debt at 0 remaining and counts the debt in the reset time', () => {
    // capacity 600, rate 0.02/ms; from −600 to 600 = 1 200 tokens → 60 000 ms.
    const bucket = { allocation: 600, tickMs: 30_000, rate: 0.02, capacity: 600, balance: -600 };
    expect(msUntilFull(bucket)).toBe(60_000);
    expect(rateLimitHeaders(bucket)).toMatchObject({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1m0s' });
  });

  it('a dollar bucket is shown in tokens of the request\'s model; the reset time does not change', () => {
    // $0.05 per 30 s tick = $0.10 a minute; at 200,000 tokens a dollar: 20,000 tokens a minute, 7,000 remaining.
    const bucket = { allocation: 0.05, tickMs: 30_000, rate: 0.05 / 30_000, capacity: 0.05, balance: 0.035 };
    expect(rateLimitHeaders(bucket, 200_000)).toEqual({ ...rateLimitHeaders(bucket), 'x-ratelimit-limit-tokens': '20000', 'x-ratelimit-remaining-tokens': '7000' });
    expect(rateLimitHeaders(bucket)['x-ratelimit-reset-tokens']).toBe('9s');
  });

  it('a zero allocation reports limit 0 and reset 0s', () => {
    expect(rateLimitHeaders({ allocation: 0, tickMs: 30_000, rate: 0, capacity: 0, balance: -10 })).toEqual({
      'x-ratelimit-limit-tokens': '0',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '0s',
    });
  });
});

describe('retry-after', () => {
  it('msUntilPositive: strictly positive balance, from the refill rate', () => {
    expect(msUntilPositive(5, 0.1)).toBe(0);
    // −100 at 0.1/ms is 0 after 1 000 ms, positive after 1 001.
    expect(msUntilPositive(-100, 0.1)).toBe(1_001);
    expect(msUntilPositive(0, 0.1)).toBe(1);
    expect(msUntilPositive(-50, 0.3)).toBe(167); // 166.67 → 167
    expect(msUntilPositive(-1, 0)).toBe(Infinity);
  });

  it('msUntilCovers: until the balance reaches the cost', () => {
    expect(msUntilCovers(100, 100, 0.1)).toBe(0);
    expect(msUntilCovers(-100, 400, 0.1)).toBe(5_000);
    expect(msUntilCovers(0, 1, 0)).toBe(Infinity);
  });

  it('headers: seconds rounded up with a minimum of 1, ms rounded up', () => {
    expect(retryAfterHeaders(1_001)).toEqual({ 'retry-after': '2', 'retry-after-ms': '1001' });
    expect(retryAfterHeaders(2_000)).toEqual({ 'retry-after': '2', 'retry-after-ms': '2000' });
    expect(retryAfterHeaders(0.3)).toEqual({ 'retry-after': '1', 'retry-after-ms': '1' });
    expect(retryAfterHeaders(0)).toEqual({ 'retry-after': '1', 'retry-after-ms': '1' });
    expect(retryAfterHeaders(Infinity)).toEqual({ 'retry-after': '1', 'retry-after-ms': '1' });
  });
});
