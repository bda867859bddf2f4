import type { AllocationPolicy, ForecastExplanation, ForecastWindowExplanation, UsageWindow, UsageWindows } from './types.js';

/**
 * Demand forecast for the next tick (DESIGN §6.1): a weighted mean of the windows' rates, each rate taken
 * over the time its history covers, weights renormalised over the windows that have any; then pulled up
 * toward the demand queued now.
 */
export function forecastDemand(
  usage: UsageWindows,
  queuedDemandTokens: number,
  policy: Pick<AllocationPolicy, 'demandWeights' | 'queuePull' | 'tickSeconds'>,
): ForecastExplanation {
  const windows: ForecastWindowExplanation[] = [];
  const historical = historicalRate(usage, policy.demandWeights, windows) * policy.tickSeconds;
  const queued = queuedDemandTokens > 0 ? queuedDemandTokens : 0;
  return { windows, historical, queuedDemandTokens: queued, queuePull: policy.queuePull, forecast: pullTowardQueue(historical, queued, policy.queuePull) };
}

/** `forecastDemand(…).forecast` without the explanation: the engine's per-agent hot path. */
export function forecastTokens(usage: UsageWindows, queuedDemandTokens: number, policy: Pick<AllocationPolicy, 'demandWeights' | 'queuePull' | 'tickSeconds'>): number {
  return pullTowardQueue(historicalRate(usage, policy.demandWeights) * policy.tickSeconds, queuedDemandTokens, policy.queuePull);
}

function pullTowardQueue(historical: number, queuedDemandTokens: number, pull: number): number {
  return queuedDemandTokens > historical ? historical + pull * (queuedDemandTokens - historical) : historical;
}

/** Tokens per second from history; each usable window's part goes to `explained` when given. */
function historicalRate(usage: UsageWindows, dw: AllocationPolicy['demandWeights'], explained?: ForecastWindowExplanation[]): number {
  // Unrolled over the four windows: keyed access by a variable name is slow on this per-agent path.
  const { recent, lastHour, sameHourYesterday, sameHourLastWeek } = usage;
  const weightSum =
    usable(recent, dw.recent) + usable(lastHour, dw.lastHour) + usable(sameHourYesterday, dw.sameHourYesterday) + usable(sameHourLastWeek, dw.sameHourLastWeek);
  if (!(weightSum > 0)) return 0;
  return (
    weighted('recent', recent, dw.recent, weightSum, explained) +
    weighted('lastHour', lastHour, dw.lastHour, weightSum, explained) +
    weighted('sameHourYesterday', sameHourYesterday, dw.sameHourYesterday, weightSum, explained) +
    weighted('sameHourLastWeek', sameHourLastWeek, dw.sameHourLastWeek, weightSum, explained)
  );
}

/** The window's raw weight if it has data and a positive weight, else 0. */
function usable(w: UsageWindow | undefined, raw: number): number {
  return w !== undefined && w.coveredSeconds > 0 && raw > 0 ? raw : 0;
}

/** The window's weighted rate (0 if unusable), explained when asked. */
function weighted(
  window: ForecastWindowExplanation['window'],
  w: UsageWindow | undefined,
  raw: number,
  weightSum: number,
  explained: ForecastWindowExplanation[] | undefined,
): number {
  if (w === undefined || !(w.coveredSeconds > 0) || !(raw > 0)) return 0;
  const rate = (w.demandTokens > 0 ? w.demandTokens : 0) / w.coveredSeconds;
  const weight = raw / weightSum;
  explained?.push({ window, demandTokens: w.demandTokens, coveredSeconds: w.coveredSeconds, rate, weight });
  return weight * rate;
}

/** Tokens asked for in one usage bucket starting at `start` (unix ms). */
export interface DemandBucket {
  start: number;
  demandTokens: number;
}

export interface WindowsFromBucketsOptions {
  now: number;
  /** Length of the `recent` window; 300 s by default. */
  recentSeconds?: number;
  /** Bucket length: 60_000 for minute buckets, 3_600_000 for hourly ones. */
  bucketMs: number;
  /** When history begins (the agent's first-seen time, or when the store started keeping it). */
  historyStart: number;
}

/** Length of the `recent` demand window (the proxy and the simulator use it too). */
export const RECENT_WINDOW_SECONDS = 300;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The demand windows from usage buckets: the trailing few minutes, the trailing 60 minutes, and the same
 * 60 minutes 24 hours and 7 days earlier. A bucket straddling a window's edge counts in proportion to the overlap (so hourly
 * buckets are interpolated); coverage is the part of the window after `historyStart` and before `now`,
 * and a window with no coverage is absent.
 */
export function windowsFromBuckets(buckets: readonly DemandBucket[], options: WindowsFromBucketsOptions): UsageWindows {
  const { now, bucketMs } = options;
  let historyStart = options.historyStart;
  for (const b of buckets) if (b.start < historyStart) historyStart = b.start;
  const recentMs = (options.recentSeconds ?? RECENT_WINDOW_SECONDS) * 1000;
  const spans: Array<[keyof UsageWindows, number, number]> = [
    ['recent', now - recentMs, now],
    ['lastHour', now - HOUR_MS, now],
    ['sameHourYesterday', now - DAY_MS - HOUR_MS, now - DAY_MS],
    ['sameHourLastWeek', now - 7 * DAY_MS - HOUR_MS, now - 7 * DAY_MS],
  ];
  const result: UsageWindows = {};
  for (const [name, from, to] of spans) {
    const coveredFrom = Math.max(from, historyStart);
    const coveredTo = Math.min(to, now);
    if (coveredTo <= coveredFrom) continue;
    let demand = 0;
    for (const b of buckets) {
      // The current bucket is still filling: its demand so far belongs to [start, now).
      const end = Math.min(b.start + bucketMs, now);
      const length = end - b.start;
      if (length <= 0) continue;
      const overlap = Math.min(end, coveredTo) - Math.max(b.start, coveredFrom);
      if (overlap > 0) demand += (b.demandTokens * overlap) / length;
    }
    result[name] = { demandTokens: demand, coveredSeconds: (coveredTo - coveredFrom) / 1000 };
  }
  return result;
}
