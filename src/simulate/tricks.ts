import { runSimulation } from './run.js';
import { parseScenario, ScenarioError } from './scenario.js';
import type { AgentBehaviour, Scenario } from './scenario.js';

/** The tricks an agent can play on the proxy, as scenario behaviours. */
export const TRICKS = {
  /** Never reports a task. */
  silent: { silent: true },
  /** Claims `critical` and a deadline a minute away on every request. */
  claims: { claims: { class: 'critical', deadlineSeconds: 60 } },
  /** A fresh agent id every 10 minutes (calibration.minSeconds: it never leaves calibration). */
  rotatesIds: { rotatesIdsEveryMinutes: 10 },
  /** Its SDK retries every refused request twice. */
  retries: { retries: 2 },
} as const satisfies Record<string, Partial<AgentBehaviour>>;

export type TrickName = keyof typeof TRICKS;

/** One agent's outcome under the dynamic engine, honest or playing one trick. */
export interface TrickResult {
  trick: TrickName | 'honest';
  qualityWeightedTasks: number;
  tokensServed: number;
  /** Ratios to its honest run (1 = no gain). */
  qualityRatio: number;
  tokensRatio: number;
  /** Quality-weighted tasks of the whole fleet. */
  fleetQualityWeightedTasks: number;
}

export interface TricksReport {
  scenario: string;
  seed: number;
  agent: string;
  results: TrickResult[];
}

/** The least productive agent (hidden quality per token): the one with the most to gain from a trick. */
export function leastProductiveAgent(scenario: Scenario): string {
  const [worst] = [...scenario.agents].sort((a, b) => a.quality / a.tokensPerTask - b.quality / b.tokensPerTask || (a.id < b.id ? -1 : 1));
  return (worst as Scenario['agents'][number]).id;
}

/**
 * Runs the scenario under the dynamic engine with `agent` honest, then playing each trick in turn (same seed:
 * same hidden productivity, demand and reports), and reports its quality-weighted tasks and tokens received
 * against its honest run.
 */
export function runTricks(scenario: Scenario, agent: string, seed: number): TricksReport {
  const spec = scenario.agents.find((a) => a.id === agent);
  if (spec === undefined) throw new ScenarioError(`--agent: no agent "${agent}" in the scenario`);
  const variants: Array<[TrickResult['trick'], Partial<AgentBehaviour>]> = [['honest', {}], ...(Object.entries(TRICKS) as Array<[TrickName, Partial<AgentBehaviour>]>)];
  const runs = variants.map(([trick, behaviour]) => {
    const variant = parseScenario({ ...scenario, agents: scenario.agents.map((a) => (a.id === agent ? { ...a, behaviour: { ...a.behaviour, ...behaviour } } : a)) });
    const [dynamic] = runSimulation(variant, seed, ['dynamic']).policies;
    if (dynamic === undefined) throw new Error('dynamic run missing');
    const own = dynamic.agents[agent] ?? { qualityWeightedTasks: 0, tokensServed: 0 };
    return { trick, own, fleet: dynamic.qualityWeightedTasks };
  });
  const honest = (runs[0] as (typeof runs)[number]).own;
  const ratio = (x: number, base: number) => (base > 0 ? x / base : x > 0 ? Infinity : 1);
  return {
    scenario: scenario.name,
    seed,
    agent,
    results: runs.map(({ trick, own, fleet }) => ({
      trick,
      qualityWeightedTasks: own.qualityWeightedTasks,
      tokensServed: own.tokensServed,
      qualityRatio: ratio(own.qualityWeightedTasks, honest.qualityWeightedTasks),
      tokensRatio: ratio(own.tokensServed, honest.tokensServed),
      fleetQualityWeightedTasks: fleet,
    })),
  };
}
