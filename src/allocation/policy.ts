import type { AllocationPolicy } from './types.js';

/** Defaults of every allocation setting (the README's table mirrors these). */
export const DEFAULT_ALLOCATION_POLICY: Readonly<AllocationPolicy> = Object.freeze({
  tokensPerMinute: 1_000_000,
  tickSeconds: 30,
  classWeights: { critical: 4, high: 2, normal: 1, low: 0.5 },
  taskTypeClasses: {},
  deadline: { horizonSeconds: 3600, maxFactor: 2 },
  dependency: { perBlockedTask: 0.25, maxFactor: 2 },
  baseline: {},
  calibration: { minTasks: 3, minTokens: 20_000, minSeconds: 600 },
  scoringWindowSeconds: 3600,
  scoreHalfLifeSeconds: 1800,
  scorePriorTasks: 0,
  demandWeights: { recent: 0.8, lastHour: 0.08, sameHourYesterday: 0.06, sameHourLastWeek: 0.06 },
  queuePull: 1,
  burst: { minFraction: 0.02, maxFraction: 0.1, volatilityMultiplier: 1 },
  headroom: 0.25,
  headroomFromSlackOnly: true,
  floorTokensPerMinute: 1000,
  newcomers: { reserveFraction: 0.1 },
});

/** Overrides applied to a policy (one level deep for the nested groups). */
export type AllocationPolicyOverrides = {
  [K in keyof AllocationPolicy]?: AllocationPolicy[K] extends object
    ? Partial<AllocationPolicy[K]>
    : AllocationPolicy[K];
};

/** The default policy with `overrides` merged in (nested groups merged key by key). */
export function allocationPolicy(overrides: AllocationPolicyOverrides = {}): AllocationPolicy {
  const d = DEFAULT_ALLOCATION_POLICY;
  return {
    ...d,
    ...overrides,
    classWeights: { ...d.classWeights, ...overrides.classWeights },
    taskTypeClasses: { ...d.taskTypeClasses, ...overrides.taskTypeClasses } as AllocationPolicy['taskTypeClasses'],
    deadline: { ...d.deadline, ...overrides.deadline },
    dependency: { ...d.dependency, ...overrides.dependency },
    baseline: { ...d.baseline, ...overrides.baseline },
    calibration: { ...d.calibration, ...overrides.calibration },
    demandWeights: { ...d.demandWeights, ...overrides.demandWeights },
    burst: { ...d.burst, ...overrides.burst },
    newcomers: { ...d.newcomers, ...overrides.newcomers },
  };
}

/** Tokens per tick for a rate in tokens per minute. */
export function perTick(policy: Pick<AllocationPolicy, 'tickSeconds'>, tokensPerMinute: number): number {
  return (tokensPerMinute * policy.tickSeconds) / 60;
}

/**
 * What a calibrating agent gets, tokens per tick: the configured baseline rate, else an equal share among
 * `agents` of the pool left after `reserve` (the burst and newcomer reserves); never below the floor.
 */
export function baselinePerTick(
  policy: Pick<AllocationPolicy, 'tickSeconds' | 'tokensPerMinute' | 'baseline' | 'floorTokensPerMinute'>,
  agents: number,
  reserve: number,
): number {
  const floor = Math.max(0, perTick(policy, policy.floorTokensPerMinute));
  if (policy.baseline.tokensPerMinute !== undefined) return Math.max(floor, perTick(policy, policy.baseline.tokensPerMinute));
  return Math.max(floor, agents > 0 ? Math.max(0, perTick(policy, policy.tokensPerMinute) - reserve) / agents : 0);
}

/** The newcomer reserve the policy asks for, tokens per tick (before minimums may shrink it). */
export function newcomerReserveWanted(policy: Pick<AllocationPolicy, 'newcomers'>, pool: number): number {
  return Math.min(1, Math.max(0, policy.newcomers.reserveFraction)) * pool;
}

/** Tick length in milliseconds. */
export function tickMs(policy: Pick<AllocationPolicy, 'tickSeconds'>): number {
  return policy.tickSeconds * 1000;
}
