/**
 * Plain-data inputs and outputs of the allocation engine (DESIGN §6). Times are unix milliseconds,
 * token amounts are tokens, rates say their unit in their name.
 */

import type { ClassSource } from '../domain/granted-class.js';
import type { PriorityClass } from '../domain/priority.js';

/** Deadline proximity: the factor rises linearly from 1 (deadline `horizonSeconds` or more away) to `maxFactor` (due now or overdue). */
export interface DeadlineFactorPolicy {
  horizonSeconds: number;
  maxFactor: number;
}

/** Dependency chain: factor `1 + perBlockedTask × blocking`, at most `maxFactor`. */
export interface DependencyFactorPolicy {
  perBlockedTask: number;
  maxFactor: number;
}

/**
 * An agent stays on the baseline until it has consumed `minTokens` over at least `minSeconds`; then it is
 * scored on what it reported (nothing: P = 0). Fewer than `minTasks` reported tasks marks the score
 * provisional in the explanation, and nothing else.
 */
export interface CalibrationPolicy {
  minTasks: number;
  minTokens: number;
  minSeconds: number;
}

/** Burst buffer: `volatilityMultiplier × stddev(recent aggregate demand per tick)`, clamped to `[minFraction, maxFraction] × pool`. */
export interface BurstPolicy {
  minFraction: number;
  maxFraction: number;
  volatilityMultiplier: number;
  /**
   * The least urgent class that may draw on the buffer (the proxy's `burst.minPriority`); absent: every class.
   * Given, the reserve is cut to what those agents could still draw beyond their allocations.
   */
  minClass?: PriorityClass;
}

/** Newcomers (DESIGN §8): agents the table does not name yet draw on a per-tick reserve inside the pool. */
export interface NewcomerPolicy {
  /** Part of the pool (0–1) set aside each tick for agents the table does not name yet. */
  reserveFraction: number;
}

/**
 * A team's claim on the pool (DESIGN §9): a fixed part (`share` or `tokensPerMinute`, at most one), or none (the
 * engine splits what fixed parts leave among such teams by their agents' weights and demand).
 */
export interface TeamPolicy {
  /** Fraction (0–1) of the pool left after the burst and newcomer reserves. */
  share?: number;
  tokensPerMinute?: number;
  /** Its agents never get more than its part, and what it leaves unused does not flow to other teams. */
  strict: boolean;
}

/** Everything the engine is configured with. Build one with `allocationPolicy()` to get the defaults. */
export interface AllocationPolicy {
  /** The pool rate shared by all agents. */
  tokensPerMinute: number;
  tickSeconds: number;
  classWeights: Record<PriorityClass, number>;
  /** Task type (the `x-token-ninja-task-type` hint) → class. */
  taskTypeClasses: Record<string, PriorityClass>;
  deadline: DeadlineFactorPolicy;
  dependency: DependencyFactorPolicy;
  /** Calibrating agents get this; absent means an equal share of the pool left after the burst reserve. */
  baseline: { tokensPerMinute?: number };
  calibration: CalibrationPolicy;
  scoringWindowSeconds: number;
  /** Half-life of a task outcome's weight in the productivity score. */
  scoreHalfLifeSeconds: number;
  /**
   * Pseudo-tasks of fleet-average productivity mixed into each scored agent's score, so that a handful
   * of lucky (or unlucky) tasks does not swing an allocation. Off (0) by default: see docs/allocation.md.
   */
  scorePriorTasks: number;
  /**
   * Demand-window weights before renormalisation. The hour windows keep DESIGN §6.1's 0.4 / 0.3 / 0.3
   * ratio; `recent` (the last few minutes) is this engine's addition: set it to 0 for DESIGN's formula.
   */
  demandWeights: { recent: number; lastHour: number; sameHourYesterday: number; sameHourLastWeek: number };
  /** How far the forecast is pulled up toward this tick's queued demand (0 = not at all, 1 = fully). */
  queuePull: number;
  burst: BurstPolicy;
  /** A share is capped at `forecast × (1 + headroom)`. */
  headroom: number;
  /**
   * Grant headroom only from slack: shares are first capped at the forecast itself, and rise toward
   * `forecast × (1 + headroom)` only once every agent has its forecast (false: DESIGN §6's single pass).
   */
  headroomFromSlackOnly: boolean;
  floorTokensPerMinute: number;
  newcomers: NewcomerPolicy;
  /** Teams by name (DESIGN §9); absent or empty: no team layer, every agent in `default`. */
  teams?: Readonly<Record<string, TeamPolicy>>;
}

/** Demand seen over one history window, and how much of the window the history actually covers. */
export interface UsageWindow {
  demandTokens: number;
  coveredSeconds: number;
}

/** The demand windows: DESIGN §6.1's three, and the last few minutes; a window with no history is absent. */
export interface UsageWindows {
  /** The trailing few minutes (five by default in `windowsFromBuckets`). */
  recent?: UsageWindow;
  lastHour?: UsageWindow;
  sameHourYesterday?: UsageWindow;
  sameHourLastWeek?: UsageWindow;
}

/** One reported task outcome inside the scoring window. */
export interface OutcomeSample {
  at: number;
  completed: boolean;
  /** 0–1, already scaled by the configured trust in self-reported quality. */
  quality: number;
  /** Tokens spent on this task, where known: lets the token side of P decay with the task's age. */
  tokens?: number;
}

/** Request hints currently in force for an agent (DESIGN §3). */
export interface AgentHints {
  priorityClass?: PriorityClass;
  taskType?: string;
  /** Unix ms of the nearest deadline among its open tasks. */
  nearestDeadline?: number;
  /** Tasks waiting on this agent's work. */
  blocking?: number;
}

/** A manual allocation; replaces the engine's figure until `expiresAt` (if any). */
export interface AllocationOverride {
  tokensPerMinute: number;
  expiresAt?: number;
}

/** Everything the engine knows about one agent this tick. */
export interface AgentInput {
  agent: string;
  firstSeen: number;
  /** Configured class for the agent when no hint names one. */
  criticality?: PriorityClass;
  /** The highest class the agent may claim. */
  priorityCeiling?: PriorityClass;
  hints?: AgentHints;
  usage: UsageWindows;
  /** Outcomes reported within the scoring window. */
  outcomes: readonly OutcomeSample[];
  /** Tokens charged to the agent within the scoring window. */
  tokensConsumed: number;
  /** Demand waiting in queues right now, at estimated cost. */
  queuedDemandTokens?: number;
  override?: AllocationOverride;
  /** Its team (DESIGN §9); absent, or a name `policy.teams` does not hold: `default`. */
  team?: string;
}

/** Fleet-wide figures. */
export interface FleetInput {
  /** Total demand per recent tick (tokens), oldest first; sizes the burst buffer. */
  recentAggregateDemand: readonly number[];
}

/**
 * One tick's input. The engine treats it as immutable and so must the caller once it is passed: a row's
 * explanation is derived from it when first read.
 */
export interface AllocationInput {
  policy: AllocationPolicy;
  agents: readonly AgentInput[];
  fleet: FleetInput;
}

/** The rule that settled an agent's allocation. */
export type BoundBy =
  /** a manual override */
  | 'override'
  /** still calibrating: the baseline */
  | 'baseline'
  /** capped at forecast × (1 + headroom) */
  | 'cap'
  /** held up by the floor */
  | 'floor'
  /** its weighted share, between floor and cap */
  | 'share'
  /** overrides took the whole pool; the floor is all that is left */
  | 'overcommitted';

/** One demand window's part in the forecast. */
export interface ForecastWindowExplanation {
  window: keyof UsageWindows;
  demandTokens: number;
  coveredSeconds: number;
  /** Tokens per second over the covered time. */
  rate: number;
  /** Weight after renormalisation over windows with data. */
  weight: number;
}

export interface ForecastExplanation {
  windows: ForecastWindowExplanation[];
  /** From history alone, tokens per tick. */
  historical: number;
  queuedDemandTokens: number;
  queuePull: number;
  /** After the pull toward queued demand, tokens per tick. */
  forecast: number;
}

export interface ProductivityExplanation {
  tasksCompleted: number;
  /** Σ decay over completed outcomes. */
  decayedTaskCount: number;
  /** Σ completed × quality × decay. */
  decayedQualityTasks: number;
  /** The token side after decay. */
  decayedTokens: number;
  tokensConsumed: number;
  halfLifeSeconds: number;
  /** Raw P, quality-weighted tasks per token. */
  productivity: number;
  /** Mean P of the scored agents. */
  meanProductivity: number;
  /** P / mean P before smoothing. */
  normalised: number;
  /** After mixing in `scorePriorTasks` pseudo-tasks of score 1. */
  score: number;
}

/** Every claim an agent made, what the operator set, and what was granted (DESIGN §8). */
export interface PriorityExplanation {
  /** The class granted (after the ceiling). */
  class: PriorityClass;
  /** Where the class came from. */
  classSource: ClassSource;
  /** The class the agent asked for in `x-token-ninja-priority`, if any. */
  requestedClass: PriorityClass | null;
  /** The task type it named, and the class config maps it to (null for an unmapped type). */
  taskType: string | null;
  taskTypeClass: PriorityClass | null;
  /** Operator-set class used when the agent claims none. */
  criticality: PriorityClass | null;
  /** The highest class the agent may claim (null: uncapped). */
  ceiling: PriorityClass | null;
  /** True where the priority ceiling lowered the class. */
  ceilingApplied: boolean;
  classWeight: number;
  deadlineSecondsLeft: number | null;
  deadlineFactor: number;
  blocking: number;
  dependencyFactor: number;
  priorityWeight: number;
}

export interface CalibrationExplanation {
  calibrating: boolean;
  tasksCompleted: number;
  tokensConsumed: number;
  ageSeconds: number;
  /** Requirements still unmet (calibration ends on tokens and time, never on reports). */
  missing: ReadonlyArray<'tokens' | 'seconds'>;
  /** Scored on fewer than `calibration.minTasks` reported tasks (none: P = 0). */
  provisional: boolean;
}

/** Plain data the admin API serves verbatim. */
export interface AllocationExplanation {
  forecast: ForecastExplanation;
  productivity: ProductivityExplanation;
  priority: PriorityExplanation;
  calibration: CalibrationExplanation;
  /** Share weight = score × priority weight. */
  shareWeight: number;
  /** Tokens per tick. */
  floor: number;
  /** The cap that applied: the forecast in a scarce tick (headroom from slack only), else forecast × (1 + headroom). */
  cap: number;
  /** forecast × (1 + headroom). */
  headroomCap: number;
  baseline: number;
  override: (AllocationOverride & { active: boolean }) | null;
  team: string;
  /** Its team's part of the pool this tick, tokens per tick. */
  teamPart: number;
  /** One sentence on the rule that bound the allocation. */
  rule: string;
}

export interface AgentAllocation {
  agent: string;
  team: string;
  /** Tokens per tick. */
  allocation: number;
  tokensPerMinute: number;
  /** Normalised (and smoothed) productivity: 1 is the fleet mean. */
  score: number;
  /** Raw P. */
  productivity: number;
  priorityWeight: number;
  /** Forecast demand, tokens per tick. */
  forecast: number;
  boundBy: BoundBy;
  calibrating: boolean;
  /** Built on first read from the tick's input, then kept; included when the row is serialised. */
  readonly explanation: AllocationExplanation;
}

export interface BurstAllocation {
  /** Tokens per tick the buffer holds: the reserve plus whatever demand left unclaimed. */
  capacity: number;
  /** Sized from volatility, within bounds. */
  reserve: number;
  /** Pool no agent could use this tick. */
  leftover: number;
  /** Standard deviation of recent aggregate demand per tick. */
  demandStdDev: number;
}

/** The newcomer reserve of a tick (DESIGN §8). */
export interface NewcomerAllocation {
  /** Tokens per tick set aside for agents this table does not name; drawn per request, fleet-wide. */
  reserve: number;
}

/** One team's line of the table (DESIGN §9). Amounts are tokens per tick. */
export interface TeamAllocation {
  team: string;
  /**
   * What the team was given: its agents' overrides and baselines plus its part of the shared fill, after what
   * non-strict teams left unused flowed to the others (a strict team keeps its whole part, used or not).
   */
  part: number;
  /** Σ of its agents' allocations. */
  allocation: number;
  /** Σ of its agents' forecast demand. */
  forecast: number;
  agents: number;
  /** The configured fixed part (share or tokensPerMinute) after scaling to the pool; null where the engine splits. */
  fixedPart: number | null;
  strict: boolean;
}

/** The engine's output: one table per tick. */
export interface AllocationTable {
  at: number;
  tick: number;
  /** Tokens per tick. */
  pool: number;
  burst: BurstAllocation;
  newcomers: NewcomerAllocation;
  /** Sorted by agent id. */
  agents: AgentAllocation[];
  /** Sorted by name; `default` always present. */
  teams: TeamAllocation[];
  /** True when overrides alone exceed the pool (Σ allocations is then above the pool; no newcomer reserve). */
  overcommitted: boolean;
  /** Scale applied to baselines and floors when they did not fit (1 normally). */
  minimumScale: number;
}
