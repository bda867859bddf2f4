import type { AgentInput, AllocationPolicy, CalibrationExplanation, OutcomeSample, ProductivityExplanation } from './types.js';

/** Raw productivity of one agent; the engine fills in the fleet-relative fields (mean, normalised, score). */
export type RawProductivity = ProductivityExplanation;

const NOTHING_MISSING: CalibrationExplanation['missing'] = Object.freeze([]);

/** Mean decay weight over a window of `windowSeconds` for tokens spread evenly across it. */
export function meanDecayOverWindow(windowSeconds: number, halfLifeSeconds: number): number {
  if (!(halfLifeSeconds > 0) || !(windowSeconds > 0)) return 1;
  const x = windowSeconds / halfLifeSeconds;
  return (1 - Math.pow(2, -x)) / (x * Math.LN2);
}

/**
 * P = Σ(completed × quality × decay) / decayed tokens, over the scoring window. Tokens attributed to an
 * outcome decay with that outcome; the rest are taken as spread evenly over the window, so a fleet whose
 * tasks arrive evenly scores exactly `quality-weighted tasks / tokens`, and recent work counts for more.
 */
export function rawProductivity(
  agent: Pick<AgentInput, 'outcomes' | 'tokensConsumed'>,
  now: number,
  policy: Pick<AllocationPolicy, 'scoringWindowSeconds' | 'scoreHalfLifeSeconds'>,
): RawProductivity {
  return productivityScorer(policy)(agent, now);
}

/**
 * `rawProductivity` with the policy's constants worked out once, for scoring a whole fleet. Given `into`,
 * it fills and returns that object instead of a new one (the engine reuses one across agents).
 */
export function productivityScorer(
  policy: Pick<AllocationPolicy, 'scoringWindowSeconds' | 'scoreHalfLifeSeconds'>,
): (agent: Pick<AgentInput, 'outcomes' | 'tokensConsumed'>, now: number, into?: RawProductivity) => RawProductivity {
  const h = policy.scoreHalfLifeSeconds;
  const windowSeconds = policy.scoringWindowSeconds;
  // An outcome's weight halves every half-life: exp(−age·ln2/h), with the rate worked out once.
  const rate = h > 0 ? Math.LN2 / h : 0;
  const unattributedDecay = meanDecayOverWindow(windowSeconds, h);
  return (agent, now, into = blankProductivity()) => {
    let tasksCompleted = 0;
    let decayedTaskCount = 0;
    let decayedQualityTasks = 0;
    let attributed = 0;
    let decayedAttributed = 0;
    const outcomes = agent.outcomes;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i] as OutcomeSample;
      let age = (now - o.at) / 1000;
      if (age > windowSeconds) continue;
      if (age < 0) age = 0;
      const d = Math.exp(-age * rate);
      const tokens = o.tokens;
      if (tokens !== undefined && tokens > 0) {
        attributed += tokens;
        decayedAttributed += d * tokens;
      }
      if (!o.completed) continue;
      tasksCompleted += 1;
      decayedTaskCount += d;
      const q = o.quality;
      decayedQualityTasks += d * (q > 1 ? 1 : q > 0 ? q : 0);
    }
    const tokensConsumed = Math.max(0, agent.tokensConsumed);
    const unattributed = Math.max(0, tokensConsumed - attributed);
    const decayedTokens = decayedAttributed + unattributed * unattributedDecay;
    const productivity = decayedTokens > 0 ? decayedQualityTasks / decayedTokens : 0;
    into.tasksCompleted = tasksCompleted;
    into.decayedTaskCount = decayedTaskCount;
    into.decayedQualityTasks = decayedQualityTasks;
    into.decayedTokens = decayedTokens;
    into.tokensConsumed = tokensConsumed;
    into.halfLifeSeconds = h;
    into.productivity = productivity;
    into.meanProductivity = 0;
    into.normalised = 0;
    into.score = 0;
    return into;
  };
}

/** A productivity record with every field present (one shape for all of them). */
export function blankProductivity(): RawProductivity {
  return {
    tasksCompleted: 0,
    decayedTaskCount: 0,
    decayedQualityTasks: 0,
    decayedTokens: 0,
    tokensConsumed: 0,
    halfLifeSeconds: 0,
    productivity: 0,
    meanProductivity: 0,
    normalised: 0,
    score: 0,
  };
}

/** Calibration requirements an agent has not met, as bits: the engine's per-agent form of `calibrationStatus`. */
const MISSING_TOKENS = 2;
export const MISSING_SECONDS = 4;

/**
 * Calibration ends on evidence, not on reports (DESIGN §6.2): `minTokens` consumed over at least `minSeconds`.
 * Tasks play no part, so reporting (however poorly) never moves an agent off the baseline sooner or later
 * than staying silent would: a silent agent and a poor reporter with the same tokens and age calibrate alike.
 */
export function calibrationGaps(tokensConsumed: number, ageSeconds: number, c: AllocationPolicy['calibration']): number {
  return (tokensConsumed < c.minTokens ? MISSING_TOKENS : 0) | (ageSeconds < c.minSeconds ? MISSING_SECONDS : 0);
}

/** Age in seconds at `now` of an agent first seen at `firstSeen` (never negative). */
export function ageSeconds(firstSeen: number, now: number): number {
  return Math.max(0, (now - firstSeen) / 1000);
}

/** Whether an agent is still on the baseline (too new or too few tokens), and whether its score is provisional. */
export function calibrationStatus(
  raw: Pick<RawProductivity, 'tasksCompleted' | 'tokensConsumed'>,
  firstSeen: number,
  now: number,
  policy: Pick<AllocationPolicy, 'calibration'>,
): CalibrationExplanation {
  const age = ageSeconds(firstSeen, now);
  const gaps = calibrationGaps(raw.tokensConsumed, age, policy.calibration);
  let missing = NOTHING_MISSING;
  if (gaps !== 0) {
    const m: Array<'tokens' | 'seconds'> = [];
    if (gaps & MISSING_TOKENS) m.push('tokens');
    if (gaps & MISSING_SECONDS) m.push('seconds');
    missing = m;
  }
  const calibrating = gaps !== 0;
  return {
    calibrating,
    tasksCompleted: raw.tasksCompleted,
    tokensConsumed: raw.tokensConsumed,
    ageSeconds: age,
    missing,
    provisional: !calibrating && raw.tasksCompleted < policy.calibration.minTasks,
  };
}

/**
 * Score of a scored agent: P over the fleet's mean P, mixed with `priorTasks` pseudo-tasks of score 1
 * (the fleet mean) so that little evidence gives a cautious score. 1 for everyone when the mean is 0.
 * `evidence` is in tasks; the engine passes `scoreEvidence`, which counts tokens, not reports.
 */
export function productivityScore(productivity: number, meanProductivity: number, decayedTaskCount: number, priorTasks: number): { normalised: number; score: number } {
  const normalised = meanProductivity > 0 ? productivity / meanProductivity : 1;
  return { normalised, score: smoothedScore(normalised, decayedTaskCount, priorTasks) };
}

/**
 * The evidence a score rests on, in tasks: what an agent of the fleet's mean P would have completed on the
 * tokens this agent spent (`tokensConsumed × mean decay × meanP`). Measured in tokens, not reports, so an agent
 * cannot keep its score near the fleet mean by reporting nothing: with evidence n, the smoothed score
 * `(tokens × P + m) / (tokens × meanP + m)` only rises with what it reports.
 */
export function scoreEvidence(tokensConsumed: number, meanDecay: number, meanProductivity: number): number {
  return Math.max(0, tokensConsumed) * meanDecay * meanProductivity;
}

/** `(n × normalised + m × 1) / (n + m)` for n tasks of evidence and m prior pseudo-tasks. */
export function smoothedScore(normalised: number, decayedTaskCount: number, priorTasks: number): number {
  const m = priorTasks > 0 ? priorTasks : 0;
  const n = decayedTaskCount > 0 ? decayedTaskCount : 0;
  return n + m > 0 ? (n * normalised + m) / (n + m) : normalised;
}
