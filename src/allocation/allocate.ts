import { TokenNinjaError } from '../errors/errors.js';
import { burstReserve } from './burst.js';
import { forecastDemand, forecastTokens } from './forecast.js';
import { baselinePerTick, newcomerReserveWanted, perTick, tickMs } from './policy.js';
import { priorityWeight } from './priority.js';
import { priorityRank } from '../domain/priority.js';
import { ageSeconds, blankProductivity, calibrationGaps, calibrationStatus, meanDecayOverWindow, MISSING_SECONDS, productivityScore, productivityScorer, scoreEvidence } from './productivity.js';
import type { RawProductivity } from './productivity.js';
import type { AgentAllocation, AgentInput, AllocationExplanation, AllocationInput, AllocationPolicy, AllocationTable, BoundBy, TeamAllocation } from './types.js';
import { fillWithHeadroom, type HeadroomFill } from './headroom-fill.js';
import { fillByTeam, teamLayer, type TeamFill } from './team-split.js';
import { DEFAULT_TEAM } from '../domain/team.js';

/** Two inputs for the same agent: the caller must merge them first. */
export class DuplicateAgentError extends TokenNinjaError {
  constructor(agent: string) {
    super('ALLOCATION_DUPLICATE_AGENT', 500, `allocation input names agent "${agent}" twice`);
  }
}

const RULES: Record<BoundBy, string> = {
  override: 'A manual override sets this allocation.',
  baseline: 'Still calibrating: the baseline until it has consumed enough tokens over enough time.',
  cap: 'Capped at forecast demand plus headroom; the surplus went to other agents or the burst buffer.',
  floor: 'Held at the floor: its weighted share (or its forecast) was below it.',
  share: 'Its share of the pool in proportion to score × priority weight.',
  overcommitted: 'Overrides alone exceed the pool: every agent without one gets the floor.',
};

/** Per-agent standing after the first pass. */
const SCORED = 0;
const CALIBRATING = 1;
/** Calibrating because it is younger than `calibration.minSeconds`: nothing is known of it. */
const NEW = 2;

/** The agents in id order, and where each input agent lands in it. */
interface IdOrder {
  sorted: readonly AgentInput[];
  /** `sorted[positionOf[j]] === agents[j]`. */
  positionOf: Int32Array;
}

/**
 * Sorts by id as UTF-16 code units (what `<` does) with the built-in sort on the ids alone: a comparator
 * called from JavaScript costs several times more at 10k agents. An input already in order is not sorted.
 */
function idOrder(agents: readonly AgentInput[]): IdOrder {
  const n = agents.length;
  const positionOf = new Int32Array(n);
  let inOrder = true;
  for (let j = 1; j < n && inOrder; j++) inOrder = (agents[j - 1] as AgentInput).agent < (agents[j] as AgentInput).agent;
  if (inOrder) {
    for (let j = 0; j < n; j++) positionOf[j] = j;
    return { sorted: agents, positionOf };
  }
  const indexOf = new Map<string, number>();
  for (let j = 0; j < n; j++) {
    const id = (agents[j] as AgentInput).agent;
    if (indexOf.has(id)) throw new DuplicateAgentError(id);
    indexOf.set(id, j);
  }
  const ids = [...indexOf.keys()].sort();
  const sorted = new Array<AgentInput>(n);
  for (let i = 0; i < n; i++) {
    const j = indexOf.get(ids[i] as string) as number;
    sorted[i] = agents[j] as AgentInput;
    positionOf[j] = i;
  }
  return { sorted, positionOf };
}

/**
 * One reallocation tick (DESIGN §6): plain data and `now` in, the allocation table out. Deterministic and
 * independent of the order of `input.agents`. Order of claims on the pool: active overrides; then the
 * baselines of calibrating agents and the floors of the rest (scaled down together if they do not fit,
 * after the burst and newcomer reserves have given way); then the newcomer reserve (DESIGN §8: what agents
 * the table does not name may draw this tick); then the burst reserve; then weighted water-filling of the
 * remainder by score × priority weight, each capped at forecast × (1 + headroom) — team by team where
 * `policy.teams` configures teams (team-split.ts); what nobody can use joins the burst buffer.
 *
 * The input is treated as immutable: each row's explanation is derived from it when first read, so a
 * tick for 10k agents keeps one object per agent alive instead of a dozen (see `bench/tick.bench.mjs`).
 */
export function allocate(input: AllocationInput, now: number): AllocationTable {
  const { policy } = input;
  const pool = perTick(policy, policy.tokensPerMinute);
  const { sorted: agents, positionOf } = idOrder(input.agents);
  const n = agents.length;

  // One pass per agent, in input order (the order its objects most likely lie in memory: at 10k agents,
  // reading them in id order instead costs half as much again in cache misses). Only numbers are kept,
  // in columns indexed by id order; every intermediate object dies young.
  const standing = new Uint8Array(n);
  const forecasts = new Float64Array(n);
  const productivities = new Float64Array(n);
  const tokensConsumed = new Float64Array(n);
  const priorityWeights = new Float64Array(n);
  const mayBurst = new Uint8Array(n);
  const overrides = new Float64Array(n).fill(Number.NaN);
  const score = productivityScorer(policy);
  const raw = blankProductivity();
  for (let j = 0; j < n; j++) {
    const agent = input.agents[j] as AgentInput;
    const i = positionOf[j] as number;
    score(agent, now, raw);
    const gaps = calibrationGaps(raw.tokensConsumed, ageSeconds(agent.firstSeen, now), policy.calibration);
    standing[i] = gaps === 0 ? SCORED : gaps & MISSING_SECONDS ? NEW : CALIBRATING;
    forecasts[i] = forecastTokens(agent.usage, agent.queuedDemandTokens ?? 0, policy);
    productivities[i] = raw.productivity;
    tokensConsumed[i] = raw.tokensConsumed;
    const priority = priorityWeight(agent, now, policy);
    priorityWeights[i] = priority.priorityWeight;
    mayBurst[i] = policy.burst.minClass === undefined || priorityRank(priority.class) >= priorityRank(policy.burst.minClass) ? 1 : 0;
    const o = agent.override;
    if (o !== undefined && (o.expiresAt === undefined || o.expiresAt > now)) overrides[i] = Math.max(0, perTick(policy, o.tokensPerMinute));
  }
  // Sums in id order: floating-point addition is not associative, and the table must not depend on input order.
  let pSum = 0;
  let pCount = 0;
  let overrideTotal = 0;
  let nScored = 0;
  for (let i = 0; i < n; i++) {
    const overridden = !Number.isNaN(overrides[i]);
    if (overridden) overrideTotal += overrides[i] as number;
    // Mean P over the agents past calibration (an override does not make a score meaningless).
    if (standing[i] !== SCORED) continue;
    pSum += productivities[i] as number;
    pCount += 1;
    if (!overridden) nScored += 1;
  }
  const meanP = pCount > 0 ? pSum / pCount : 0;
  const headroomFactor = 1 + Math.max(0, policy.headroom);

  const { reserve: wantedReserve, demandStdDev } = burstReserve(input.fleet.recentAggregateDemand, pool, policy.burst);
  const floor = Math.max(0, perTick(policy, policy.floorTokensPerMinute));
  const wantedNewcomers = newcomerReserveWanted(policy, pool);
  const baseline = baselinePerTick(policy, n, wantedReserve + wantedNewcomers);

  const overcommitted = overrideTotal > pool;
  const afterOverrides = Math.max(0, pool - overrideTotal);
  // A new agent (younger than calibration.minSeconds) gets the baseline exactly: nothing is known of it.
  // An older agent that is calibrating only for want of recent tasks or tokens gets the baseline at most
  // up to its forecast plus headroom (never below the floor): an idle agent does not hold an idle baseline.
  const baselineClaims = new Float64Array(n);
  let baselineTotal = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(overrides[i]) || standing[i] === SCORED) continue;
    baselineClaims[i] = standing[i] === NEW ? baseline : Math.min(baseline, Math.max(floor, (forecasts[i] as number) * headroomFactor));
    baselineTotal += baselineClaims[i] as number;
  }
  const minimums = baselineTotal + nScored * floor;
  // Minimums come before the reserves: the burst reserve gives way first, then the newcomer reserve, then
  // minimums scale together. Allocations + burst + newcomer reserve then never exceed the pool.
  const room = overcommitted ? 0 : Math.max(0, afterOverrides - minimums);
  const newcomerReserve = Math.min(wantedNewcomers, room);
  let reserve = Math.min(wantedReserve, room - newcomerReserve);
  let available = afterOverrides - reserve - newcomerReserve;
  // Equal-share baselines sum to `available` up to rounding: a relative 1e-12 is not a shortfall.
  const minimumScale = overcommitted || minimums <= available * (1 + 1e-12) || minimums === 0 ? 1 : available / minimums;
  const floorNow = floor * minimumScale;

  // Water-fill the scored agents without an override.
  const scores = new Float64Array(n);
  const normalisedPs = new Float64Array(n);
  const itemOf = new Int32Array(n).fill(-1);
  const meanDecay = meanDecayOverWindow(policy.scoringWindowSeconds, policy.scoreHalfLifeSeconds);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (standing[i] !== SCORED) continue;
    const evidence = scoreEvidence(tokensConsumed[i] as number, meanDecay, meanP);
    const s = productivityScore(productivities[i] as number, meanP, evidence, policy.scorePriorTasks);
    normalisedPs[i] = s.normalised;
    scores[i] = s.score;
    if (!overcommitted && Number.isNaN(overrides[i])) itemOf[i] = m++;
  }
  const weights = new Float64Array(m);
  const los = new Float64Array(m).fill(floorNow);
  const his = new Float64Array(m);
  const forecastHis = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const k = itemOf[i] as number;
    if (k < 0) continue;
    weights[k] = (scores[i] as number) * (priorityWeights[i] as number);
    his[k] = Math.max(floorNow, (forecasts[i] as number) * headroomFactor);
    forecastHis[k] = Math.max(floorNow, Math.min(his[k] as number, forecasts[i] as number));
  }
  const fillTotal = () => Math.max(overcommitted ? 0 : available - baselineTotal * minimumScale, m * floorNow);
  const layer = teamLayer(policy, agents);
  // Teams: what each team's agents hold outside the fill (overrides, baselines), and each fill item's team.
  const held = new Float64Array(layer?.names.length ?? 0);
  const itemTeam = new Int32Array(m);
  if (layer !== undefined) {
    for (let i = 0; i < n; i++) {
      const t = layer.teamOf[i] as number;
      if (itemOf[i] !== -1) itemTeam[itemOf[i] as number] = t;
      else if (!Number.isNaN(overrides[i])) held[t] = (held[t] as number) + (overrides[i] as number);
      else held[t] = (held[t] as number) + (overcommitted ? floor : (baselineClaims[i] as number) * minimumScale);
    }
  }
  const fill = (): HeadroomFill | TeamFill =>
    layer === undefined
      ? fillWithHeadroom(weights, los, his, forecastHis, fillTotal(), floorNow, policy.headroomFromSlackOnly)
      : fillByTeam(layer, itemTeam, held, { weights, los, his, forecastHis }, fillTotal(), floorNow, policy.headroomFromSlackOnly);
  let filled = fill();
  // A reserve larger than what the agents allowed to burst lack of their forecasts would idle while others wait: the rest is shared.
  const spare = policy.burst.minClass === undefined ? 0 : reserve - burstShortfall(filled.amounts, itemOf, mayBurst, forecasts);
  if (spare > 0) {
    reserve -= spare;
    available += spare;
    filled = fill();
  }
  const teams = teamLines(layer, filled, held, available + overrideTotal);
  const teamIndexOf = (i: number): number => (layer === undefined ? 0 : (layer.teamOf[i] as number));

  const explainer = new Explainer(policy, now, agents, score, {
    meanP,
    normalisedPs,
    scores,
    capOf: (i) => (itemOf[i] === -1 ? (forecasts[i] as number) * headroomFactor : (filled.caps[itemOf[i] as number] as number)),
    floor: overcommitted ? floor : floorNow,
    baseline: baseline * minimumScale,
    overrideActive: (i) => !Number.isNaN(overrides[i]),
    teamOf: (i) => teams[teamIndexOf(i)] as TeamAllocation,
  });
  const rows: AgentAllocation[] = new Array<AgentAllocation>(n);
  let allocatedNonOverride = 0;
  for (let i = 0; i < n; i++) {
    let allocation: number;
    let boundBy: BoundBy;
    if (!Number.isNaN(overrides[i])) {
      allocation = overrides[i] as number;
      boundBy = 'override';
    } else if (overcommitted) {
      allocation = floor;
      boundBy = 'overcommitted';
    } else if (standing[i] !== SCORED) {
      const claim = baselineClaims[i] as number;
      allocation = claim * minimumScale;
      boundBy = claim < baseline ? (claim <= floor ? 'floor' : 'cap') : 'baseline';
    } else {
      const k = itemOf[i] as number;
      allocation = filled.amounts[k] as number;
      const b = filled.bound[k] as number;
      boundBy = b === 0 || (filled.caps[k] as number) <= floorNow ? 'floor' : b === 2 ? 'cap' : 'share';
    }
    if (boundBy !== 'override') allocatedNonOverride += allocation;
    const team = teams[teamIndexOf(i)] as TeamAllocation;
    team.allocation += allocation;
    team.forecast += forecasts[i] as number;
    team.agents += 1;
    rows[i] = new AllocationRow(
      (agents[i] as AgentInput).agent,
      team.team,
      allocation,
      (allocation * 60) / policy.tickSeconds,
      scores[i] as number,
      productivities[i] as number,
      priorityWeights[i] as number,
      forecasts[i] as number,
      boundBy,
      standing[i] !== SCORED,
      explainer,
      i,
    );
  }

  const leftover = overcommitted ? 0 : Math.max(0, available - allocatedNonOverride);
  return {
    at: now,
    tick: Math.floor(now / tickMs(policy)),
    pool,
    burst: { capacity: reserve + leftover, reserve, leftover, demandStdDev },
    newcomers: { reserve: newcomerReserve },
    agents: rows,
    teams,
    overcommitted,
    minimumScale,
  };
}

/**
 * The table's team lines, agent sums still zero: without a team layer one `default` team holding the teamable
 * pool (the pool less the burst and newcomer reserves); with one, each team's held claims plus its fill part.
 */
function teamLines(layer: ReturnType<typeof teamLayer>, filled: HeadroomFill | TeamFill, held: Float64Array, teamable: number): TeamAllocation[] {
  const line = (team: string, part: number, fixedPart: number | null, strict: boolean): TeamAllocation => ({ team, part, allocation: 0, forecast: 0, agents: 0, fixedPart, strict });
  if (layer === undefined || !('parts' in filled)) return [line(DEFAULT_TEAM, teamable, null, false)];
  return layer.names.map((team, t) => {
    const fixed = filled.fixedParts[t] as number;
    return line(team, (held[t] as number) + (filled.parts[t] as number), Number.isNaN(fixed) ? null : fixed, layer.strict[t] === 1);
  });
}

/**
 * What the agents allowed to burst lack of their forecasts after the fill: what they would draw from the burst buffer
 * if demand comes as forecast. Agents outside the fill (calibrating, overridden) count with their whole forecast.
 */
function burstShortfall(amounts: Float64Array, itemOf: Int32Array, mayBurst: Uint8Array, forecasts: Float64Array): number {
  let gap = 0;
  for (let i = 0; i < itemOf.length; i++) {
    if (mayBurst[i] !== 1) continue;
    const k = itemOf[i] as number;
    gap += Math.max(0, (forecasts[i] as number) - (k < 0 ? 0 : (amounts[k] as number)));
  }
  return gap;
}

/** What the fleet-relative parts of an explanation need from the tick, kept as columns. */
interface TickFacts {
  meanP: number;
  normalisedPs: Float64Array;
  scores: Float64Array;
  capOf: (i: number) => number;
  floor: number;
  baseline: number;
  overrideActive: (i: number) => boolean;
  teamOf: (i: number) => TeamAllocation;
}

/** Builds a row's explanation on demand from the same pure functions the tick ran. */
class Explainer {
  constructor(
    private readonly policy: AllocationPolicy,
    private readonly now: number,
    private readonly agents: readonly AgentInput[],
    private readonly score: (agent: AgentInput, now: number) => RawProductivity,
    private readonly facts: TickFacts,
  ) {}

  explain(i: number, boundBy: BoundBy): AllocationExplanation {
    const { policy, now, facts } = this;
    const agent = this.agents[i] as AgentInput;
    const productivity = this.score(agent, now);
    productivity.meanProductivity = facts.meanP;
    productivity.normalised = facts.normalisedPs[i] as number;
    productivity.score = facts.scores[i] as number;
    const priority = priorityWeight(agent, now, policy);
    const forecast = forecastDemand(agent.usage, agent.queuedDemandTokens ?? 0, policy);
    const o = agent.override;
    return {
      forecast,
      productivity,
      priority,
      calibration: calibrationStatus(productivity, agent.firstSeen, now, policy),
      shareWeight: productivity.score * priority.priorityWeight,
      floor: facts.floor,
      cap: facts.capOf(i),
      headroomCap: forecast.forecast * (1 + Math.max(0, policy.headroom)),
      baseline: facts.baseline,
      override: o === undefined ? null : { ...o, active: facts.overrideActive(i) },
      team: facts.teamOf(i).team,
      teamPart: facts.teamOf(i).part,
      rule: RULES[boundBy],
    };
  }
}

/** A row of the table; its explanation is built when first read (and serialised by `JSON.stringify`). */
class AllocationRow implements AgentAllocation {
  #explainer: Explainer;
  #index: number;
  #explanation: AllocationExplanation | undefined;

  constructor(
    readonly agent: string,
    readonly team: string,
    readonly allocation: number,
    readonly tokensPerMinute: number,
    readonly score: number,
    readonly productivity: number,
    readonly priorityWeight: number,
    readonly forecast: number,
    readonly boundBy: BoundBy,
    readonly calibrating: boolean,
    explainer: Explainer,
    index: number,
  ) {
    this.#explainer = explainer;
    this.#index = index;
  }

  get explanation(): AllocationExplanation {
    return (this.#explanation ??= this.#explainer.explain(this.#index, this.boundBy));
  }

  toJSON(): AgentAllocation {
    const { agent, team, allocation, tokensPerMinute, score, productivity, priorityWeight, forecast, boundBy, calibrating } = this;
    return { agent, team, allocation, tokensPerMinute, score, productivity, priorityWeight, forecast, boundBy, calibrating, explanation: this.explanation };
  }
}
