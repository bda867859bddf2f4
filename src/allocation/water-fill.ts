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
  const weight = new Float64Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const it = items[i] as FillItem;
    weight[i] = it.weight;
    lo[i] = it.lo;
    hi[i] = it.hi;
  }
  return waterFillArrays(weight, lo, hi, total);
}

/** `waterFill` over parallel arrays (the engine's form: no object per claimant). */
export function waterFillArrays(weight: Float64Array, lo: Float64Array, hi: Float64Array, total: number): FillResult {
  const n = weight.length;
  const amounts = new Float64Array(n);
  const bound = new Uint8Array(n);
  let loSum = 0;
  let hiSum = 0;
  let weightSum = 0;
  let top = 0;
  for (let i = 0; i < n; i++) {
    const w = weight[i] as number;
    loSum += lo[i] as number;
    hiSum += hi[i] as number;
    if (w > 0) {
      weightSum += w;
      // At this level the item alone takes `total` or reaches its cap: an upper end for the level even
      // when the cap is infinite.
      const x = Math.min(hi[i] as number, total) / w;
      if (x > top) top = x;
    }
  }
  // A weight so small that the ratio overflows: keep the bracket finite, so bisection can narrow it.
  if (!(top <= Number.MAX_VALUE)) top = Number.MAX_VALUE;
  let level: number;
  if (total <= loSum || weightSum === 0) level = 0;
  else if (total >= hiSum) level = Infinity;
  else level = solveLevel(weight, lo, hi, total, top, weightSum);
  for (let i = 0; i < n; i++) {
    const w = weight[i] as number;
    const l = lo[i] as number;
    const h = hi[i] as number;
    const want = w > 0 ? level * w : 0;
    if (!(want > l)) {
      amounts[i] = l;
      bound[i] = 0;
    } else if (want >= h) {
      amounts[i] = h;
      bound[i] = 2;
    } else {
      amounts[i] = want;
      bound[i] = 1;
    }
  }
  return { amounts, bound, level };
}

function solveLevel(weight: Float64Array, lo: Float64Array, hi: Float64Array, total: number, top: number, weightSum: number): number {
  // Invariant: sum(a) ≤ total ≤ sum(b).
  let a = 0;
  let b = top;
  let level = Math.min(top, total / weightSum);
  const tolerance = total * 1e-13;
  const n = weight.length;
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    let sum = 0;
    let slope = 0;
    for (let i = 0; i < n; i++) {
      const w = weight[i] as number;
      const l = lo[i] as number;
      const h = hi[i] as number;
      const want = w > 0 ? level * w : 0;
      if (!(want > l)) sum += l;
      else if (want >= h) sum += h;
      else {
        sum += want;
        slope += w;
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
