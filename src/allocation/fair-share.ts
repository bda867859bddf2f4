import { burstReserve } from './burst.js';
import { forecastTokens } from './forecast.js';
import { perTick } from './policy.js';
import { fillWithHeadroom } from './headroom-fill.js';
import type { AllocationInput } from './types.js';

/** One tick of max-min fair sharing: allocations in input order, and the burst buffer beside them. */
export interface FairShare {
  /** Tokens per tick, in the order of `input.agents`. */
  allocations: Float64Array;
  /** Forecast demand per agent, tokens per tick, same order. */
  forecasts: Float64Array;
  /** Burst buffer, tokens per tick: the same volatility reserve as the engine's, plus what no agent could use. */
  burstCapacity: number;
}

/**
 * What a work-conserving fair limiter does with the engine's inputs (docs/allocation.md, "fair"): the pool after
 * the engine's burst reserve water-filled with equal weights over every agent, each capped at its forecast (and
 * up to forecast × (1 + headroom) from slack, as the engine does), never below the floor. No productivity, no
 * priority, no calibration; overrides are not honoured. The baseline the engine must beat.
 */
export function fairShare(input: AllocationInput): FairShare {
  const { policy, agents } = input;
  const n = agents.length;
  const pool = perTick(policy, policy.tokensPerMinute);
  const { reserve } = burstReserve(input.fleet.recentAggregateDemand, pool, policy.burst);
  const available = pool - reserve;
  const floor = n > 0 ? Math.min(Math.max(0, perTick(policy, policy.floorTokensPerMinute)), available / n) : 0;
  const headroomFactor = 1 + Math.max(0, policy.headroom);
  const forecasts = new Float64Array(n);
  const weights = new Float64Array(n).fill(1);
  const los = new Float64Array(n).fill(floor);
  const his = new Float64Array(n);
  const forecastHis = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = agents[i];
    if (a === undefined) continue;
    const f = forecastTokens(a.usage, a.queuedDemandTokens ?? 0, policy);
    forecasts[i] = f;
    his[i] = Math.max(floor, f * headroomFactor);
    forecastHis[i] = Math.max(floor, f);
  }
  const { amounts } = fillWithHeadroom(weights, los, his, forecastHis, available, floor, policy.headroomFromSlackOnly);
  let allocated = 0;
  for (const x of amounts) allocated += x;
  return { allocations: amounts, forecasts, burstCapacity: reserve + Math.max(0, available - allocated) };
}
