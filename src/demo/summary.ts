/**
 * The demo's closing summary (pure): tasks per million tokens per agent and for the fleet, against the
 * counterfactual of a static equal split of the same tokens.
 */
import type { AgentStats } from './demo-agent.js';

export interface SummaryInput {
  agent: string;
  stats: AgentStats;
  /** Seconds the agent was in the run (it asked for tokens during them). */
  activeSeconds: number;
}

export interface SummaryRow {
  agent: string;
  tokens: number;
  tasks: number;
  meanQuality: number;
  /** Tasks completed per million tokens consumed. */
  tasksPerMillion: number;
  /** Share of all tokens it got under dynamic allocation. */
  dynamicShare: number;
  /** Tokens a static equal split would have given it (capped at what it asked for). */
  staticTokens: number;
}

export interface DemoSummary {
  rows: SummaryRow[];
  totalTokens: number;
  totalTasks: number;
  /** Tasks per million tokens, as run (dynamic). */
  dynamicTasksPerMillion: number;
  /** The same tokens split equally among active agents, each keeping its own tasks-per-token rate. */
  staticTasksPerMillion: number;
  /** dynamic / static. */
  gain: number;
}

/**
 * Summarises a run. The static counterfactual holds the fleet's token consumption fixed, shares it
 * equally per active agent-second (capped at each agent's asked-for tokens, the surplus re-spread), and
 * applies each agent's observed tasks per token — a first-order estimate, since an agent's rate may
 * change with its budget.
 */
export function summarise(inputs: readonly SummaryInput[]): DemoSummary {
  const totalTokens = inputs.reduce((s, i) => s + i.stats.tokens, 0);
  const totalTasks = inputs.reduce((s, i) => s + i.stats.tasks, 0);
  const staticTokens = equalSplit(
    totalTokens,
    inputs.map((i) => ({ weight: Math.max(0, i.activeSeconds), cap: Math.max(i.stats.askedTokens, i.stats.tokens) })),
  );
  let staticTasks = 0;
  const rows = inputs.map((i, k) => {
    const rate = i.stats.tokens > 0 ? i.stats.tasks / i.stats.tokens : 0;
    staticTasks += rate * (staticTokens[k] ?? 0);
    return {
      agent: i.agent,
      tokens: i.stats.tokens,
      tasks: i.stats.tasks,
      meanQuality: i.stats.tasks > 0 ? i.stats.qualitySum / i.stats.tasks : 0,
      tasksPerMillion: rate * 1e6,
      dynamicShare: totalTokens > 0 ? i.stats.tokens / totalTokens : 0,
      staticTokens: staticTokens[k] ?? 0,
    };
  });
  const dynamicTasksPerMillion = totalTokens > 0 ? (totalTasks / totalTokens) * 1e6 : 0;
  const staticTasksPerMillion = totalTokens > 0 ? (staticTasks / totalTokens) * 1e6 : 0;
  return {
    rows,
    totalTokens,
    totalTasks,
    dynamicTasksPerMillion,
    staticTasksPerMillion,
    gain: staticTasksPerMillion > 0 ? dynamicTasksPerMillion / staticTasksPerMillion : 0,
  };
}

/** Splits `total` in proportion to weights, each part capped, the surplus re-spread over the uncapped (water-filling). */
export function equalSplit(total: number, parts: ReadonlyArray<{ weight: number; cap: number }>): number[] {
  const out = parts.map(() => 0);
  let open = parts.map((p, i) => ({ ...p, i })).filter((p) => p.weight > 0 && p.cap > 0);
  let left = total;
  // Each round caps at least one part or spends everything, so it ends within parts.length rounds.
  for (let round = 0; round <= parts.length && left > 1e-9 && open.length > 0; round++) {
    const weights = open.reduce((s, p) => s + p.weight, 0);
    const capped = open.filter((p) => out[p.i]! + (left * p.weight) / weights >= p.cap);
    if (capped.length === 0) {
      for (const p of open) out[p.i] = out[p.i]! + (left * p.weight) / weights;
      left = 0;
      break;
    }
    for (const p of capped) {
      left -= p.cap - out[p.i]!;
      out[p.i] = p.cap;
    }
    open = open.filter((p) => !capped.includes(p));
  }
  return out;
}
