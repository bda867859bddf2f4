import { waterFillArrays } from './water-fill.js';

/** A water-filling's result: amounts, what bound each (0 floor, 1 between, 2 cap), and the caps that applied. */
export interface HeadroomFill {
  amounts: Float64Array;
  bound: Uint8Array;
  caps: Float64Array;
}

/**
 * Water-fill the scored agents. With `slackOnly`, a first pass caps every share at its forecast; only if
 * the pool still has room does a second pass continue the same fill level up to forecast × (1 + headroom).
 * Headroom then never goes to one agent while another is held below its forecast: in scarcity it is the
 * fleet-wide burst buffer, not a per-agent margin, that absorbs surprises.
 */
export function fillWithHeadroom(
  weights: Float64Array,
  los: Float64Array,
  his: Float64Array,
  forecastHis: Float64Array,
  total: number,
  floor: number,
  slackOnly: boolean,
): HeadroomFill {
  if (!slackOnly) return { ...spreadLeftover(waterFillArrays(weights, los, his, total), forecastHis, total), caps: his };
  // Every agent's forecast first (the weighted ones by weight, then those with no score from what is left), and
  // only then headroom: no agent gets a margin while another is held below what it is forecast to use.
  const first = spreadLeftover(waterFillArrays(weights, los, forecastHis, total), forecastHis, total);
  let used = 0;
  for (const a of first.amounts) used += a;
  if (used < total * (1 - 1e-12)) {
    const second = waterFillArrays(weights, first.amounts, his, total);
    // An agent still at its phase-one amount is held by its forecast cap, not by the floor.
    for (let k = 0; k < weights.length; k++) if (second.bound[k] === 0 && (second.amounts[k] as number) > floor) second.bound[k] = first.bound[k] === 1 ? 1 : 2;
    return { amounts: second.amounts, bound: second.bound, caps: his };
  }
  return { ...first, caps: forecastHis };
}

/**
 * Work conservation: what every weighted agent left (each at its cap) goes to the agents held at the floor
 * by a zero weight (P = 0: nothing reported), equally up to their forecasts, instead of idling while they
 * are throttled (no headroom: what they may not use stays in the burst buffer). It only ever reaches them after every agent with a score has all it can use, so an agent
 * that reports nothing still never gets more than it would reporting poor work.
 */
function spreadLeftover(fill: { amounts: Float64Array; bound: Uint8Array }, caps: Float64Array, total: number): { amounts: Float64Array; bound: Uint8Array } {
  let used = 0;
  for (const a of fill.amounts) used += a;
  if (!(used < total * (1 - 1e-12))) return fill;
  // Never below what the weighted fill gave (an agent's forecast cap can sit under its floor).
  const his = caps.map((c, k) => Math.max(c, fill.amounts[k] as number));
  const lifted = waterFillArrays(new Float64Array(his.length).fill(1), fill.amounts, his, total);
  const bound = fill.bound.slice();
  for (let k = 0; k < his.length; k++) {
    if ((lifted.amounts[k] as number) > (fill.amounts[k] as number)) bound[k] = lifted.bound[k] === 2 ? 2 : 1;
  }
  return { amounts: lifted.amounts, bound };
}
