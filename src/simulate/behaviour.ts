import { RETRY_WINDOW_MS } from '../app/refused-requests.js';
import type { OperatorPolicy } from '../app/reallocation-inputs.js';
import { grantedClass } from '../domain/granted-class.js';
import { priorityRank } from '../domain/priority.js';
import type { PriorityClass } from '../domain/priority.js';
import type { ScenarioAgent } from './scenario.js';

/** The proxy's default ceiling (`priority.ceilings."*"`, DESIGN §8). */
const DEFAULT_CEILING: PriorityClass = 'high';

/**
 * What operators granted a simulated agent: the proxy's default ceiling, raised to the class the scenario
 * gives it (a scenario's `critical` agent stands for one an operator made critical).
 */
export function operatorPolicyOf(spec: ScenarioAgent): OperatorPolicy {
  return { ceiling: priorityRank(spec.class) > priorityRank(DEFAULT_CEILING) ? spec.class : DEFAULT_CEILING };
}

/** The class an agent claims on its requests: the one it pretends to, else its own. */
export function claimedClass(spec: ScenarioAgent): PriorityClass {
  return spec.behaviour.claims?.class ?? spec.class;
}

/** The class the proxy grants that claim (burst gate and queue order): capped at the agent's ceiling. */
export function grantedClassOf(spec: ScenarioAgent): PriorityClass {
  return grantedClass(claimedClass(spec), undefined, undefined, operatorPolicyOf(spec).ceiling).class;
}

/** The nearest deadline an agent claims at `now`: its real one, or sooner if it claims a short one on every request. */
export function claimedDeadline(spec: ScenarioAgent, now: number, real: number | undefined): number | undefined {
  const seconds = spec.behaviour.claims?.deadlineSeconds;
  if (seconds === undefined) return real;
  const claimed = now + seconds * 1000;
  return real === undefined ? claimed : Math.min(real, claimed);
}

/**
 * Share of retried tokens the proxy counts again as demand. A refused request is retried at the next tick
 * boundary (where the 429's retry-after points), its refusal anywhere in the tick before; the proxy counts a
 * body refused less than RETRY_WINDOW_MS earlier once, so only refusals further back than that count again.
 */
export function retryCountedShare(tickMs: number): number {
  return Math.max(0, (tickMs - RETRY_WINDOW_MS) / tickMs);
}
