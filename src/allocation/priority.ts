import { grantedClass } from '../domain/granted-class.js';
import type { AgentInput, AllocationPolicy, PriorityExplanation } from './types.js';

/**
 * Priority weight = class weight × deadline factor × dependency factor. The class is the higher of the
 * hinted class and the task type's class, else the configured criticality, else `normal`; whichever it
 * came from, never above the agent's ceiling. The deadline and dependency factors are bounded by the policy.
 */
export function priorityWeight(
  agent: Pick<AgentInput, 'criticality' | 'priorityCeiling' | 'hints'>,
  now: number,
  policy: Pick<AllocationPolicy, 'classWeights' | 'taskTypeClasses' | 'deadline' | 'dependency'>,
): PriorityExplanation {
  const hints = agent.hints ?? {};
  const hinted = hints.priorityClass;
  const typed = hints.taskType !== undefined && Object.hasOwn(policy.taskTypeClasses, hints.taskType) ? policy.taskTypeClasses[hints.taskType] : undefined;
  const { class: cls, source: classSource, capped: ceilingApplied } = grantedClass(hinted, typed, agent.criticality, agent.priorityCeiling);
  const classWeight = policy.classWeights[cls];
  const deadlineSecondsLeft = hints.nearestDeadline === undefined ? null : (hints.nearestDeadline - now) / 1000;
  const deadlineFactor = deadlineSecondsLeft === null ? 1 : deadlineFactorFor(deadlineSecondsLeft, policy.deadline.horizonSeconds, policy.deadline.maxFactor);
  const blocking = Math.max(0, hints.blocking ?? 0);
  const dependencyFactor = Math.max(1, Math.min(policy.dependency.maxFactor, 1 + policy.dependency.perBlockedTask * blocking));
  return {
    class: cls,
    classSource,
    requestedClass: hinted ?? null,
    taskType: hints.taskType ?? null,
    taskTypeClass: typed ?? null,
    criticality: agent.criticality ?? null,
    ceiling: agent.priorityCeiling ?? null,
    ceilingApplied,
    classWeight,
    deadlineSecondsLeft,
    deadlineFactor,
    blocking,
    dependencyFactor,
    priorityWeight: classWeight * deadlineFactor * dependencyFactor,
  };
}

/** 1 at `horizon` seconds or more, rising linearly to `max` at the deadline; overdue counts as due now. */
export function deadlineFactorFor(secondsLeft: number, horizon: number, max: number): number {
  if (!(horizon > 0)) return secondsLeft <= 0 ? Math.max(1, max) : 1;
  const nearness = Math.min(1, Math.max(0, 1 - secondsLeft / horizon));
  return 1 + (Math.max(1, max) - 1) * nearness;
}
