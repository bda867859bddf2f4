import { LRUCache } from 'lru-cache';

/** Bounds and percentile of a {@link RecentOutput} tracker. */
export interface RecentOutputOptions {
  /** Outputs kept per agent+model (default 50). */
  window?: number;
  /** Percentile reported, 0–100 (default 90). */
  percentile?: number;
  /** Agent+model pairs tracked; least recently used are forgotten (default 10,000). */
  maxKeys?: number;
}

/**
 * The agent's recent output size per model: a running percentile (p90 by default) over its last N outputs.
 * Memory is bounded: N numbers per pair, at most maxKeys pairs. Feed it every reconciled request.
 */
export class RecentOutput {
  private readonly window: number;
  private readonly percentile: number;
  private readonly rings: LRUCache<string, { values: number[]; next: number }>;

  constructor(opts: RecentOutputOptions = {}) {
    this.window = Math.max(1, opts.window ?? 50);
    this.percentile = Math.min(100, Math.max(0, opts.percentile ?? 90));
    this.rings = new LRUCache({ max: opts.maxKeys ?? 10_000 });
  }

  /** Record one request's actual output tokens. */
  record(agent: string, model: string, outputTokens: number): void {
    if (!Number.isFinite(outputTokens) || outputTokens < 0) return;
    const key = agent + '\u0000' + model;
    let ring = this.rings.get(key);
    if (!ring) {
      ring = { values: [], next: 0 };
      this.rings.set(key, ring);
    }
    if (ring.values.length < this.window) ring.values.push(outputTokens);
    else ring.values[ring.next] = outputTokens;
    ring.next = (ring.next + 1) % this.window;
  }

  /** The percentile of recent outputs (nearest-rank), or undefined before the first one. */
  get(agent: string, model: string): number | undefined {
    const ring = this.rings.get(agent + '\u0000' + model);
    if (!ring || ring.values.length === 0) return undefined;
    const sorted = [...ring.values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((this.percentile / 100) * sorted.length));
    return sorted[rank - 1];
  }
}
