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

/**
 * Weighted water-filling: find the level λ at which Σ clamp(λ × weight, lo, hi) = total (or every item
 * is at its cap, if the caps sum to less) — the fixed point of "share in proportion to weight, cap,
 * re-spread the surplus over the uncapped", solved exactly in O(n log n) by sweeping the breakpoints
 * instead of iterating. `total` must be at least Σ lo.
 */
export function waterFill(items: readonly FillItem[], total: number): FillResult {
  const n = items.length;
  const amounts = new Float64Array(n);
  const bound = new Uint8Array(n);
  let target = total;
  // Events: each weighted item starts rising at lo/w and stops at hi/w.
  const xs = new Float64Array(2 * n);
  const deltas = new Float64Array(2 * n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const it = items[i] as FillItem;
    target -= it.lo;
    if (it.weight > 0 && it.hi > it.lo) {
      xs[m] = it.lo / it.weight;
      deltas[m++] = it.weight;
      xs[m] = it.hi / it.weight;
      deltas[m++] = -it.weight;
    }
  }
  const order = new Uint32Array(m);
  for (let k = 0; k < m; k++) order[k] = k;
  order.sort((a, b) => (xs[a] as number) - (xs[b] as number) || a - b);
  let level = Infinity;
  let acc = 0;
  let slope = 0;
  let prev = 0;
  if (target <= 0) {
    level = 0;
  } else {
    for (let k = 0; k < m; k++) {
      const e = order[k] as number;
      const x = xs[e] as number;
      if (slope > 0) {
        const next = acc + slope * (x - prev);
        if (next >= target) {
          level = prev + (target - acc) / slope;
          break;
        }
        acc = next;
      }
      prev = x;
      slope += deltas[e] as number;
    }
  }
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
  return { amounts, bound, level: Number.isFinite(level) ? level : Infinity };
}
