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
}

export interface PolicyResult {
  policy: PolicyName;
  tasksCompleted: number;
  /** Σ true quality of completed tasks. */
  qualityWeightedTasks: number;
  tokensServed: number;
  tasksPerMillionTokens: number;
  qualityTasksPerMillionTokens: number;
  /** Tokens allocated to agents that overflowed their (full) buckets unused. */
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
  highPriorityDeadlines: { tasks: number; met: number; fraction: number };
  /** Chart data: per agent, mean allocation in tokens per minute per chart point. */
  series: Record<string, number[]>;
}

export interface SimulationReport {
  scenario: string;
  seed: number;
  days: number;
  tickSeconds: number;
  poolTokensPerMinute: number;
  chartPointsPerHour: number;
  agents: Array<{ id: string; trueProductivity: number; quartile: number; joinsAtHour: number }>;
  policies: PolicyResult[];
}
