import type { UnitName } from '../domain/unit.js';
import type { Config } from './schema.js';

/** The unit budgets are kept in: as configured, else `usd` when a dollar pool is set (DESIGN §9). */
export function unitOf(config: Pick<Config, 'unit' | 'usdPerMinute'>): UnitName {
  return config.unit ?? (config.usdPerMinute !== undefined ? 'usd' : 'tokens');
}

/** Rates and thresholds the engine takes, in the budget's unit. */
export interface UnitAmounts {
  unit: UnitName;
  /** The pool, per minute. */
  perMinute: number;
  floorPerMinute: number;
  baselinePerMinute?: number;
  /** Consumption that ends calibration. */
  calibrationMin: number;
}

/** A thousandth of the pool: the token default (1,000 of 1,000,000 a minute) carried over to dollars. */
const USD_FLOOR_SHARE = 0.001;

export function unitAmounts(config: Config): UnitAmounts {
  const unit = unitOf(config);
  if (unit === 'tokens') {
    return { unit, perMinute: config.tokensPerMinute, floorPerMinute: config.floorTokensPerMinute, baselinePerMinute: config.baseline.tokensPerMinute, calibrationMin: config.calibration.minTokens };
  }
  // The schema refuses unit usd without usdPerMinute.
  const perMinute = config.usdPerMinute ?? 0;
  return {
    unit,
    perMinute,
    floorPerMinute: config.floorUsdPerMinute ?? perMinute * USD_FLOOR_SHARE,
    baselinePerMinute: config.baseline.usdPerMinute,
    calibrationMin: config.calibration.minUsd,
  };
}
