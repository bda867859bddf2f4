import { TokenNinjaError } from '../errors/errors.js';
import { burstReserve } from './burst.js';
import { forecastDemand } from './forecast.js';
import { perTick } from './policy.js';
import { priorityWeight } from './priority.js';
import { calibrationStatus, rawProductivity, smoothedScore } from './productivity.js';
import type { RawProductivity } from './productivity.js';
import type {
  AgentAllocation,
  AgentInput,
  AllocationExplanation,
  AllocationInput,
  AllocationTable,
  BoundBy,
  CalibrationExplanation,
  ForecastExplanation,
  PriorityExplanation,
} from './types.js';
import { waterFillArrays } from './water-fill.js';

/** Two inputs for the same agent: the caller must merge them first. */
export class DuplicateAgentError extends TokenNinjaError {
  constructor(agent: string) {
    super('ALLOCATION_DUPLICATE_AGENT', 500, `allocation input names agent "${agent}" twice`);
  }
}

interface Prepared {
  input: AgentInput;
  forecast: ForecastExplanation;
  raw: RawProductivity;
  calibration: CalibrationExplanation;
  priority: PriorityExplanation;
  overridePerTick: number | null;
}

const RULES: Record<BoundBy, string> = {
  override: 'A manual override sets this allocation.',
  baseline: 'Still calibrating: the baseline until it has enough tasks, tokens and time.',
  cap: 'Capped at forecast demand plus headroom; the surplus went to other agents or the burst buffer.',
  floor: 'Held at the floor: its weighted share (or its forecast) was below it.',
  share: 'Its share of the pool in proportion to score × priority weight.',
  overcommitted: 'Overrides alone exceed the pool: every agent without one gets the floor.',
};

function byId(a: AgentInput, b: AgentInput): number {
  return a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0;
}

/**
 * One reallocation tick (DESIGN §6): plain data and `now` in, the allocation table out. Deterministic and
 * independent of the order of `input.agents`. Order of claims on the pool: active overrides; then the
 * baselines of calibrating agents and the floors of the rest (scaled down together if they do not fit,
 * after the burst reserve has given way); then the burst reserve; then weighted water-filling of the
 * remainder by score × priority weight, each capped at forecast × (1 + headroom); what nobody can use
 * joins the burst buffer.
 */
export function allocate(input: AllocationInput, now: number): AllocationTable {
  const { policy } = input;
  const tickLength = policy.tickSeconds * 1000;
  const pool = perTick(policy, policy.tokensPerMinute);
  // Callers usually pass agents already in id order: check in O(n) before paying for a sort.
  let inOrder = true;
  for (let i = 1; i < input.agents.length && inOrder; i++) inOrder = byId(input.agents[i - 1] as AgentInput, input.agents[i] as AgentInput) < 0;
  const sorted = inOrder ? input.agents : [...input.agents].sort(byId);
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as AgentInput).agent === (sorted[i - 1] as AgentInput).agent) throw new DuplicateAgentError((sorted[i] as AgentInput).agent);
  }

  const prepared: Prepared[] = sorted.map((agent) => {
    const raw = rawProductivity(agent, now, policy);
    const o = agent.override;
    const active = o !== undefined && (o.expiresAt === undefined || o.expiresAt > now);
    return {
      input: agent,
      forecast: forecastDemand(agent.usage, agent.queuedDemandTokens ?? 0, policy),
      raw,
      calibration: calibrationStatus(raw, agent.firstSeen, now, policy),
      priority: priorityWeight(agent, now, policy),
      overridePerTick: active ? Math.max(0, perTick(policy, o.tokensPerMinute)) : null,
    };
  });

  // Mean P over the agents past calibration (an override does not make a score meaningless).
  let pSum = 0;
  let pCount = 0;
  for (const p of prepared) {
    if (p.calibration.calibrating) continue;
    pSum += p.raw.productivity;
    pCount += 1;
  }
  const meanP = pCount > 0 ? pSum / pCount : 0;

  let overrideTotal = 0;
  let nScored = 0;
  for (const p of prepared) {
    if (p.overridePerTick !== null) overrideTotal += p.overridePerTick;
    else if (!p.calibration.calibrating) nScored += 1;
  }
  const headroomCap = (p: Prepared) => p.forecast.forecast * (1 + Math.max(0, policy.headroom));

  const { reserve: wantedReserve, demandStdDev } = burstReserve(input.fleet.recentAggregateDemand, pool, policy.burst);
  const floor = Math.max(0, perTick(policy, policy.floorTokensPerMinute));
  // A baseline below the floor would starve a newcomer the floor protects: the floor wins.
  const baseline = Math.max(
    floor,
    policy.baseline.tokensPerMinute !== undefined
      ? perTick(policy, policy.baseline.tokensPerMinute)
      : prepared.length > 0
        ? Math.max(0, pool - wantedReserve) / prepared.length
        : 0,
  );

  const overcommitted = overrideTotal > pool;
  const afterOverrides = Math.max(0, pool - overrideTotal);
  // A new agent (younger than calibration.minSeconds) gets the baseline exactly: nothing is known of it.
  // An older agent that is calibrating only for want of recent tasks or tokens gets the baseline at most
  // up to its forecast plus headroom (never below the floor): an idle agent does not hold an idle baseline.
  const baselineClaims = new Float64Array(prepared.length);
  let baselineTotal = 0;
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i] as Prepared;
    if (p.overridePerTick !== null || !p.calibration.calibrating) continue;
    const isNew = p.calibration.missing.includes('seconds');
    baselineClaims[i] = isNew ? baseline : Math.min(baseline, Math.max(floor, headroomCap(p)));
    baselineTotal += baselineClaims[i] as number;
  }
  const minimums = baselineTotal + nScored * floor;
  // Minimums come before the burst reserve: the reserve gives way first, then minimums scale together.
  const reserve = overcommitted ? 0 : Math.min(wantedReserve, Math.max(0, afterOverrides - minimums));
  const available = afterOverrides - reserve;
  // Equal-share baselines sum to `available` up to rounding: a relative 1e-12 is not a shortfall.
  const minimumScale = overcommitted || minimums <= available * (1 + 1e-12) || minimums === 0 ? 1 : available / minimums;
  const floorNow = floor * minimumScale;
  const baselineNow = baseline * minimumScale;
  const baselineTotalNow = baselineTotal * minimumScale;

  // Water-fill the scored agents (parallel arrays: no object per claimant on the hot path).
  const itemOf = new Int32Array(prepared.length).fill(-1);
  const scores = new Float64Array(prepared.length);
  const normalisedPs = new Float64Array(prepared.length);
  const caps = new Float64Array(prepared.length);
  let m = 0;
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i] as Prepared;
    if (!p.calibration.calibrating) {
      const normalised = meanP > 0 ? p.raw.productivity / meanP : 1;
      scores[i] = smoothedScore(normalised, p.raw.decayedTaskCount, policy.scorePriorTasks);
      normalisedPs[i] = normalised;
    }
    caps[i] = headroomCap(p);
    if (overcommitted || p.overridePerTick !== null || p.calibration.calibrating) continue;
    itemOf[i] = m++;
  }
  const weights = new Float64Array(m);
  const los = new Float64Array(m).fill(floorNow);
  const his = new Float64Array(m);
  const forecastHis = new Float64Array(m);
  for (let i = 0; i < prepared.length; i++) {
    const k = itemOf[i] as number;
    if (k < 0) continue;
    const p = prepared[i] as Prepared;
    weights[k] = (scores[i] as number) * p.priority.priorityWeight;
    his[k] = Math.max(floorNow, caps[i] as number);
    forecastHis[k] = Math.max(floorNow, Math.min(his[k] as number, p.forecast.forecast));
  }
  const fillTotal = Math.max(overcommitted ? 0 : available - baselineTotalNow, m * floorNow);
  const filled = fillWithHeadroom(weights, los, his, forecastHis, fillTotal, floorNow, policy.headroomFromSlackOnly);

  const agents: AgentAllocation[] = [];
  let allocatedNonOverride = 0;
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i] as Prepared;
    let allocation: number;
    let boundBy: BoundBy;
    if (p.overridePerTick !== null) {
      allocation = p.overridePerTick;
      boundBy = 'override';
    } else if (overcommitted) {
      allocation = floor;
      boundBy = 'overcommitted';
    } else if (p.calibration.calibrating) {
      allocation = (baselineClaims[i] as number) * minimumScale;
      boundBy = (baselineClaims[i] as number) < baseline ? ((baselineClaims[i] as number) <= floor ? 'floor' : 'cap') : 'baseline';
    } else {
      const k = itemOf[i] as number;
      allocation = filled.amounts[k] as number;
      const b = filled.bound[k] as number;
      boundBy = b === 0 || (filled.caps[k] as number) <= floorNow ? 'floor' : b === 2 ? 'cap' : 'share';
    }
    if (p.overridePerTick === null) allocatedNonOverride += allocation;
    // p.raw is this call's own object: completing it in place saves a copy per agent.
    p.raw.meanProductivity = meanP;
    p.raw.normalised = normalisedPs[i] as number;
    p.raw.score = scores[i] as number;
    const o = p.input.override;
    const explanation: AllocationExplanation = {
      forecast: p.forecast,
      productivity: p.raw,
      priority: p.priority,
      calibration: p.calibration,
      shareWeight: (scores[i] as number) * p.priority.priorityWeight,
      floor: overcommitted ? floor : floorNow,
      cap: itemOf[i] === -1 ? (caps[i] as number) : (filled.caps[itemOf[i] as number] as number),
      headroomCap: caps[i] as number,
      baseline: baselineNow,
      override: o === undefined ? null : { ...o, active: p.overridePerTick !== null },
      rule: RULES[boundBy],
    };
    agents.push({
      agent: p.input.agent,
      allocation,
      tokensPerMinute: (allocation * 60) / policy.tickSeconds,
      score: scores[i] as number,
      productivity: p.raw.productivity,
      priorityWeight: p.priority.priorityWeight,
      forecast: p.forecast.forecast,
      boundBy,
      calibrating: p.calibration.calibrating,
      explanation,
    });
  }

  const leftover = overcommitted ? 0 : Math.max(0, available - allocatedNonOverride);
  return {
    at: now,
    tick: Math.floor(now / tickLength),
    pool,
    burst: { capacity: reserve + leftover, reserve, leftover, demandStdDev },
    agents,
    overcommitted,
    minimumScale,
  };
}

/**
 * Water-fill the scored agents. With `slackOnly`, a first pass caps every share at its forecast; only if
 * the pool still has room does a second pass continue the same fill level up to forecast × (1 + headroom).
 * Headroom then never goes to one agent while another is held below its forecast: in scarcity it is the
 * fleet-wide burst buffer, not a per-agent margin, that absorbs surprises.
 */
function fillWithHeadroom(
  weights: Float64Array,
  los: Float64Array,
  his: Float64Array,
  forecastHis: Float64Array,
  total: number,
  floor: number,
  slackOnly: boolean,
): { amounts: Float64Array; bound: Uint8Array; caps: Float64Array } {
  if (!slackOnly) return { ...waterFillArrays(weights, los, his, total), caps: his };
  const first = waterFillArrays(weights, los, forecastHis, total);
  let used = 0;
  for (const a of first.amounts) used += a;
  if (used < total * (1 - 1e-12)) {
    const second = waterFillArrays(weights, first.amounts, his, total);
    // An agent still at its phase-one amount is held by its forecast cap, not by the floor.
    for (let k = 0; k < weights.length; k++) if (second.bound[k] === 0 && (weights[k] as number) > 0 && (second.amounts[k] as number) > floor) second.bound[k] = 2;
    return { amounts: second.amounts, bound: second.bound, caps: his };
  }
  return { ...first, caps: forecastHis };
}
