/** Public surface of the allocation engine. */
export { allocate, DuplicateAgentError } from './allocate.js';
export { allocationPolicy, DEFAULT_ALLOCATION_POLICY, perTick, tickMs } from './policy.js';
export type { AllocationPolicyOverrides } from './policy.js';
export { forecastDemand, forecastTokens, RECENT_WINDOW_SECONDS, windowsFromBuckets } from './forecast.js';
export type { DemandBucket, WindowsFromBucketsOptions } from './forecast.js';
export { blankProductivity, calibrationStatus, meanDecayOverWindow, productivityScore, productivityScorer, rawProductivity } from './productivity.js';
export { deadlineFactorFor, priorityWeight } from './priority.js';
export { burstReserve } from './burst.js';
export { fairShare } from './fair-share.js';
export type { FairShare } from './fair-share.js';
export { waterFill } from './water-fill.js';
export * from './types.js';
