/** Population standard deviation; 0 for fewer than two samples. */
function standardDeviation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let sq = 0;
  for (const v of values) sq += (v - mean) * (v - mean);
  return Math.sqrt(sq / n);
}

/** Burst reserve in tokens per tick: `multiplier × stddev(recent aggregate demand)`, clamped to `[min, max] × pool`. */
export function burstReserve(
  recentAggregateDemand: readonly number[],
  pool: number,
  burst: { minFraction: number; maxFraction: number; volatilityMultiplier: number },
): { reserve: number; demandStdDev: number } {
  const demandStdDev = standardDeviation(recentAggregateDemand);
  const lo = Math.max(0, burst.minFraction) * pool;
  const hi = Math.max(lo, Math.min(1, burst.maxFraction) * pool);
  const reserve = Math.min(hi, Math.max(lo, burst.volatilityMultiplier * demandStdDev));
  return { reserve, demandStdDev };
}
