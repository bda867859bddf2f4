import type { Estimate, EstimateContext } from '../domain/estimate.js';
import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { InputCount } from './openai-input.js';

/** The estimating half of a provider adapter: declared here so tokens/ needs nothing from providers/. */
export interface Estimator {
  /** Estimate input and expected output tokens. Pure. */
  estimate(route: MeteredRoute, body: JsonObject, ctx: EstimateContext): Estimate;
  /**
   * The estimate from a raw input count made elsewhere (the token-count worker pool, for large bodies);
   * applies calibration and expected output exactly as estimate() does.
   */
  estimateFromInput(route: MeteredRoute, body: JsonObject, ctx: EstimateContext, input: InputCount): Estimate;
}
