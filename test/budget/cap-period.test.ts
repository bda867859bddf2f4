import { describe, expect, it } from 'vitest';
import { periodId, periodResetAt } from '../../src/budget/cap-period.js';

const at = (iso: string): number => Date.parse(iso);

describe('period caps: UTC periods', () => {
  it.each([
    ['2026-12-06T00:00:00.000Z', 'day:2026-12-06', '2026-12-07T00:00:00.000Z'],
    ['2026-12-06T23:59:59.999Z', 'day:2026-12-06', '2026-12-07T00:00:00.000Z'],
    ['2026-12-31T12:00:00.000Z', 'day:2026-12-31', '2027-01-01T00:00:00.000Z'],
    ['2026-01-31T23:00:00.000Z', 'day:2026-01-31', '2026-02-01T00:00:00.000Z'],
    ['2026-02-28T10:00:00.000Z', 'day:2026-02-28', '2026-03-01T00:00:00.000Z'],
    ['2028-02-28T10:00:00.000Z', 'day:2028-02-28', '2028-02-29T00:00:00.000Z'],
    ['2028-02-29T23:59:59.999Z', 'day:2028-02-29', '2028-03-01T00:00:00.000Z'],
    ['2026-04-30T23:59:59.999Z', 'day:2026-04-30', '2026-05-01T00:00:00.000Z'],
  ])('day at %s is %s and resets at %s', (now, id, reset) => {
    expect(periodId('day', at(now))).toBe(id);
    expect(new Date(periodResetAt('day', at(now))).toISOString()).toBe(reset);
  });

  it.each([
    ['2026-12-01T00:00:00.000Z', 'month:2026-12', '2027-01-01T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', 'month:2026-12', '2027-01-01T00:00:00.000Z'],
    ['2026-01-31T00:00:00.000Z', 'month:2026-01', '2026-02-01T00:00:00.000Z'],
    ['2026-02-28T23:59:59.999Z', 'month:2026-02', '2026-03-01T00:00:00.000Z'],
    ['2028-02-29T12:00:00.000Z', 'month:2028-02', '2028-03-01T00:00:00.000Z'],
    ['2026-09-30T23:59:59.999Z', 'month:2026-09', '2026-10-01T00:00:00.000Z'],
  ])('month at %s is %s and resets at %s', (now, id, reset) => {
    expect(periodId('month', at(now))).toBe(id);
    expect(new Date(periodResetAt('month', at(now))).toISOString()).toBe(reset);
  });

  it('counts in UTC whatever the local time zone: the first ms of a period is in it, the reset starts the next', () => {
    const midnight = at('2026-12-07T00:00:00.000Z');
    expect(periodId('day', midnight - 1)).toBe('day:2026-12-06');
    expect(periodId('day', midnight)).toBe('day:2026-12-07');
    expect(periodResetAt('day', midnight - 1)).toBe(midnight);
    expect(periodResetAt('day', midnight)).toBe(midnight + 86_400_000);
    expect(periodId('month', midnight)).toBe('month:2026-12');
  });
});
