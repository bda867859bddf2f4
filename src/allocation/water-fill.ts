/** One claimant in a weighted water-filling. */
export interface FillItem {
  /** Share weight (≥ 0); 0 means it only ever gets `lo`. */
  weight: number;
  /** Floor. */
  lo: number;
  /** Cap (≥ lo). */
  hi: number;
}

export interface FillResult {
  amounts: Float64Array;
  /** Per item: 0 held at the floor, 1 between, 2 at the cap. */
  bound: Uint8Array;
  /** The fill level: an item between its bounds gets `level × weight`. */
  level: number;
}

const MAX_ITERATIONS = 200;

/**
 * Weighted water-filling: find the level λ at which Σ clamp(λ × weight, lo, hi) = total (or every item
 * is at its cap, if the caps sum to less) — the fixed point of "share in proportion to weight, cap,
 * re-spread the surplus over the uncapped", solved directly rather than by repeated re-spreading.
 * The sum is piecewise linear and non-decreasing in λ, so a Newton step within a shrinking bracket
 * lands exactly once it reaches the right linear piece: a few O(n) passes, no sort. `total` must be at
 * least Σ lo.
 */
export function waterFill(items: readonly FillItem[], total: number): FillResult {
  const n = items.length;
  const amounts = new Float64Array(n);
  const bound = new Uint8Array(n);
  let loSum = 0;
  let hiSum = 0;
  let weightSum = 0;
  let top = 0;
  for (const it of items) {
    loSum += it.lo;
    hiSum += it.hi;
    if (it.weight > 0) {
      weightSum += it.weight;
      const x = it.hi / it.weight;
      if (x > top) top = x;
    }
  }
  let level: number;
  if (total <= loSum || weightSum === 0) level = 0;
  else if (total >= hiSum) level = Infinity;
  else level = solveLevel(items, total, top, weightSum);
  for (let i = 0; i < n; i++) {
    const it = items[i] as FillItem;
    const want = it.weight > 0 ? level * it.weight : 0;
    if (!(want > it.lo)) {
      amounts[i] = it.lo;
      bound[i] = 0;
    } else if (want >= it.hi) {
      amounts[i] = it.hi;
      bound[i] = 2;
    } else {
      amounts[i] = want;
      bound[i] = 1;
    }
  }
  return { amounts, bound, level };
}

function solveLevel(items: readonly FillItem[], total: number, top: number, weightSum: number): number {
  // Invariant: sum(a) ≤ total ≤ sum(b).
  let a = 0;
  let b = top;
  let level = Math.min(top, total / weightSum);
  const tolerance = total * 1e-13;
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    let sum = 0;
    let slope = 0;
    for (const it of items) {
      const want = it.weight > 0 ? level * it.weight : 0;
      if (!(want > it.lo)) sum += it.lo;
      else if (want >= it.hi) sum += it.hi;
      else {
        sum += want;
        slope += it.weight;
      }
    }
    const gap = total - sum;
    if (Math.abs(gap) <= tolerance) return level;
    if (gap > 0) a = level;
    else b = level;
    const newton = slope > 0 ? level + gap / slope : NaN;
    const next = newton > a && newton < b ? newton : (a + b) / 2;
    if (next === level || b - a <= Number.EPSILON * b) return a;
    level = next;
  }
  // Bisection has narrowed the bracket to rounding; the lower end never overfills.
  return a;
}
