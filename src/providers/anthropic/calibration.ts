import { LRUCache } from 'lru-cache';

/** Tuning of a {@link Calibration}. */
export interface CalibrationOptions {
  /** Factor before any observation (default 1.0: trust the o200k count). */
  initial?: number;
  /** Weight of each new observation in the moving average (default 0.2). */
  alpha?: number;
  /** Bounds of the factor (default 0.5–3). */
  min?: number;
  max?: number;
  /** Models remembered (default 256). */
  maxModels?: number;
}

/**
 * Per-model correction of a tokenizer we only approximate (Anthropic counted with o200k_base): an exponential
 * moving average of actual/raw input ratios, clamped. observe() receives the *calibrated* estimate admission
 * used; raw = calibrated / factor, so the update is factor ← factor·(1 + α·(actual/calibrated − 1)).
 */
export class Calibration {
  private readonly factors: LRUCache<string, number>;
  private readonly initial: number;
  private readonly alpha: number;
  private readonly min: number;
  private readonly max: number;

  constructor(opts: CalibrationOptions = {}) {
    this.initial = opts.initial ?? 1.0;
    this.alpha = opts.alpha ?? 0.2;
    this.min = opts.min ?? 0.5;
    this.max = opts.max ?? 3;
    this.factors = new LRUCache({ max: opts.maxModels ?? 256 });
  }

  /** The current factor for a model. */
  factor(model: string): number {
    return this.factors.get(model) ?? this.initial;
  }

  /** Learn from one reconciled request (estimates or actuals of zero teach nothing). */
  observe(model: string, calibratedEstimate: number, actual: number): void {
    if (!(calibratedEstimate > 0) || !(actual > 0)) return;
    const f = this.factor(model);
    const ratio = Math.min(4, Math.max(0.25, actual / calibratedEstimate));
    const next = f * (1 + this.alpha * (ratio - 1));
    this.factors.set(model, Math.min(this.max, Math.max(this.min, next)));
  }
}
