import type { UnitName } from '../domain/unit.js';

/** The four budgets a simulation compares. */
export type PolicyName = 'equal' | 'historic' | 'fair' | 'dynamic';

export interface QuartileResult {
  /** 1 = least productive quarter of the agents, 4 = most. */
  quartile: number;
  agents: string[];
  /** Tokens of work that arrived. */
  demandTokens: number;
  /** Of it, left undone when tasks were abandoned. */
  refusedTokens: number;
  refusedFraction: number;
  /** Mean wait from arrival to completion of the tasks completed. */
  meanDelayMinutes: number;
}

/** What one agent achieved under a policy. */
export interface AgentResult {
  /** Σ true quality of its completed tasks. */
  qualityWeightedTasks: number;
  tokensServed: number;
  /** What those tokens cost at its model's prices. */
  usdServed: number;
}

/** What the agents on one model achieved together under a policy. */
export interface ModelResult {
  agents: string[];
  qualityWeightedTasks: number;
  tokensServed: number;
  usdServed: number;
}

export interface PolicyResult {
  policy: PolicyName;
  tasksCompleted: number;
  /** Σ true quality of completed tasks. */
  qualityWeightedTasks: number;
  tokensServed: number;
  tasksPerMillionTokens: number;
  qualityTasksPerMillionTokens: number;
  /** What the tokens served cost at each agent's model's prices (in either unit). */
  usdServed: number;
  qualityTasksPerUsd: number;
  /** Allocated to agents but overflowed their (full) buckets unused, in the budget's unit. */
  tokensAllocatedIdle: number;
  /** Idle pool (allocated-idle plus burst nobody drew) over the measured period. */
  poolIdleFraction: number;
  /** Ticks in which some agent got less than it asked. */
  throttledTicks: number;
  /** Idle pool as a fraction of the pool, over the ticks in which some agent was throttled. */
  idleWhileThrottledFraction: number;
  quartiles: QuartileResult[];
  /** Per agent (all the ids it used), over the measured period. */
  agents: Record<string, AgentResult>;
  /** Per model its agents name. */
  models: Record<string, ModelResult>;
  highPriorityDeadlines: { tasks: number; met: number; fraction: number };
  /** Chart data: per agent, mean allocation per minute (in the budget's unit) per chart point. */
  series: Record<string, number[]>;
}

export interface SimulationReport {
  scenario: string;
  seed: number;
  days: number;
  tickSeconds: number;
  /** The unit budgets were kept in. */
  unit: UnitName;
  poolTokensPerMinute: number;
  /** The dollar pool (unit `usd`), or what the token pool costs at the fleet's demand mix. */
  poolUsdPerMinute: number;
  /** The pool every policy shared, in the unit. */
  poolPerMinute: number;
  chartPointsPerHour: number;
  agents: Array<{ id: string; model: string; trueProductivity: number; quartile: number; joinsAtHour: number }>;
  policies: PolicyResult[];
}
