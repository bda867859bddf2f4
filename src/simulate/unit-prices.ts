import { tokenUnit, usdUnit } from '../accounting/charge-unit.js';
import type { ChargeUnit } from '../accounting/charge-unit.js';
import type { AllocationPolicy } from '../allocation/types.js';
import { unitOf } from '../config/unit.js';
import type { UnitName } from '../domain/unit.js';
import { createPriceBook, type PriceBook } from '../pricing/price-book.js';
import type { Scenario, ScenarioAgent } from './scenario.js';

/** What a scenario's budgets are kept in, and what each agent's tokens cost in it and in dollars. */
export interface SimUnit {
  unit: UnitName;
  /** The pool in the unit, per minute. */
  perMinute: number;
  /** The pool in dollars per minute: `usdPerMinute`, else what the token pool costs at the fleet's demand mix. */
  usdPerMinute: number;
  /** Per agent (scenario order): its model, and the charge for one of its tokens in the unit and in dollars. */
  models: string[];
  unitPerToken: number[];
  usdPerToken: number[];
}

/** Tokens priced at once to get a per-token rate: prices are per million, so this is exact to the book's precision. */
const SAMPLE_TOKENS = 1e6;

/** The model an agent's requests name. */
export function modelOf(scenario: Scenario, agent: ScenarioAgent): string {
  return agent.model ?? scenario.model;
}

/**
 * The charge for one token of `agent`'s, as the proxy charges a request (`ChargeUnit.charge`) at the agent's
 * input/output mix; the simulator moves tokens in bulk, and a charge is linear in them.
 */
function perToken(charge: ChargeUnit, book: PriceBook, model: string, agent: ScenarioAgent): number {
  // Whole tokens, as usage reports them.
  const outputTokens = Math.round(SAMPLE_TOKENS * agent.outputShare);
  const usage = { inputTokens: SAMPLE_TOKENS - outputTokens, outputTokens };
  return charge.charge(usage, book.costUsd(model, usage)) / SAMPLE_TOKENS;
}

/** The scenario's unit and prices, through the proxy's price book and charge units. */
export function simUnit(scenario: Scenario): SimUnit {
  const book = createPriceBook(scenario.prices);
  const usd = usdUnit(book);
  const unit = unitOf(scenario);
  // Counting options do not apply: the simulator's tokens are plain input and output.
  const charge = unit === 'usd' ? usd : tokenUnit({});
  const models = scenario.agents.map((a) => modelOf(scenario, a));
  const usdPerToken = scenario.agents.map((a, i) => perToken(usd, book, models[i] as string, a));
  const demand = scenario.agents.reduce((s, a) => s + a.demandTokensPerMinute, 0);
  // Weighted by each agent's own demand; a fleet fed only through `feeds` weighs its agents alike.
  const meanUsdPerToken =
    demand > 0 ? scenario.agents.reduce((s, a, i) => s + a.demandTokensPerMinute * (usdPerToken[i] as number), 0) / demand : usdPerToken.reduce((s, x) => s + x, 0) / usdPerToken.length;
  const usdPerMinute = scenario.usdPerMinute ?? scenario.tokensPerMinute * meanUsdPerToken;
  return {
    unit,
    perMinute: unit === 'usd' ? usdPerMinute : scenario.tokensPerMinute,
    usdPerMinute,
    models,
    unitPerToken: scenario.agents.map((a, i) => perToken(charge, book, models[i] as string, a)),
    usdPerToken,
  };
}

/**
 * The engine's token amounts (floor, baseline, calibration) in the unit: in dollars, converted at the pool's
 * dollars per token, so each stays the same share of the pool.
 */
export function policyInUnit(policy: AllocationPolicy, scenario: Scenario, unit: SimUnit): AllocationPolicy {
  if (unit.unit === 'tokens') return policy;
  const rate = unit.perMinute / scenario.tokensPerMinute;
  return {
    ...policy,
    tokensPerMinute: unit.perMinute,
    floorTokensPerMinute: policy.floorTokensPerMinute * rate,
    baseline: policy.baseline.tokensPerMinute === undefined ? policy.baseline : { ...policy.baseline, tokensPerMinute: policy.baseline.tokensPerMinute * rate },
    calibration: { ...policy.calibration, minTokens: policy.calibration.minTokens * rate },
  };
}
