import { runSimulation } from './run.js';
import { parseScenario } from './scenario.js';
import type { Scenario } from './scenario.js';

/** The grid `token-ninja simulate --sweep` runs: every seed at every productivity spread and oversubscription. */
export interface SweepGrid {
  seeds: readonly number[];
  /** Most over least productive agent (quality / tokens per task); 1 = all agents alike. */
  spreads: readonly number[];
  /** Mean demand of the fleet over the pool; 0.5 = a pool twice the demand. */
  oversubscriptions: readonly number[];
  /** Measured days per run (the sweep runs shorter weeks than the headline). */
  days: number;
}

export const DEFAULT_SWEEP: SweepGrid = { seeds: [1, 2, 3], spreads: [1, 3, 10, 30], oversubscriptions: [0.5, 1, 2, 4], days: 2 };

export interface SweepCell {
  spread: number;
  oversubscription: number;
  seed: number;
  fairQualityTasks: number;
  dynamicQualityTasks: number;
  /** Dynamic ÷ fair, quality-weighted tasks. */
  ratio: number;
}

export interface SweepReport {
  scenario: string;
  grid: SweepGrid;
  cells: SweepCell[];
}

/**
 * The scenario with its agents' productivities spread `spread`× from least to most productive (tokens per task
 * rescaled on a log scale around their geometric mean; quality and token demand unchanged) and its pool set to
 * its agents' mean demand ÷ `oversubscription` (a dollar pool in proportion).
 */
export function reshapeScenario(base: Scenario, spread: number, oversubscription: number, days: number): Scenario {
  const logs = base.agents.map((a) => Math.log(a.quality / a.tokensPerTask));
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const mid = logs.reduce((s, x) => s + x, 0) / logs.length;
  const alpha = hi > lo ? Math.log(spread) / (hi - lo) : 0;
  const demand = base.agents.reduce((s, a) => s + a.demandTokensPerMinute, 0);
  const tokensPerMinute = demand / oversubscription;
  return {
    ...base,
    name: `${base.name} ×${spread} spread, ${oversubscription}× demand`,
    days,
    tokensPerMinute,
    // A dollar pool scales with the token pool.
    usdPerMinute: base.usdPerMinute === undefined ? undefined : (base.usdPerMinute * tokensPerMinute) / base.tokensPerMinute,
    agents: base.agents.map((a, i) => ({ ...a, tokensPerTask: a.quality / Math.exp(mid + alpha * ((logs[i] as number) - mid)) })),
  };
}

/** Fair sharing and the dynamic engine over the grid, same seed for both in every cell. */
export function runSweep(base: Scenario, grid: SweepGrid): SweepReport {
  const cells: SweepCell[] = [];
  for (const spread of grid.spreads) {
    for (const oversubscription of grid.oversubscriptions) {
      const scenario = parseScenario(reshapeScenario(base, spread, oversubscription, grid.days));
      for (const seed of grid.seeds) {
        const [fair, dynamic] = runSimulation(scenario, seed, ['fair', 'dynamic']).policies;
        const f = fair?.qualityWeightedTasks ?? 0;
        const d = dynamic?.qualityWeightedTasks ?? 0;
        cells.push({ spread, oversubscription, seed, fairQualityTasks: f, dynamicQualityTasks: d, ratio: f > 0 ? d / f : 1 });
      }
    }
  }
  return { scenario: base.name, grid, cells };
}
