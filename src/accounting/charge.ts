import { tokenCount, type UsageReport } from '../domain/usage-report.js';

/** How usage turns into charged tokens (config `counting`). */
export interface CountingPolicy {
  /** Weight of cached input tokens, 0–1 (1: they count fully). */
  cachedInputWeight: number;
  /** Whether reasoning tokens count (they are part of output tokens). */
  countReasoning: boolean;
}

/** Defaults: cached input counts fully, reasoning counts. */
export const DEFAULT_COUNTING_POLICY: Readonly<CountingPolicy> = Object.freeze({ cachedInputWeight: 1, countReasoning: true });

/**
 * Tokens charged for a usage report: uncached input + cached input × weight + output (less reasoning when
 * reasoning does not count), rounded up so a fractional discount never makes a request free. Pure.
 */
export function chargedTokens(usage: UsageReport, policy: Partial<CountingPolicy> = {}): number {
  const weight = Math.min(1, Math.max(0, policy.cachedInputWeight ?? DEFAULT_COUNTING_POLICY.cachedInputWeight));
  const countReasoning = policy.countReasoning ?? DEFAULT_COUNTING_POLICY.countReasoning;
  const input = tokenCount(usage.inputTokens);
  const cached = Math.min(input, tokenCount(usage.cachedInputTokens));
  const output = tokenCount(usage.outputTokens);
  const reasoning = countReasoning ? 0 : Math.min(output, tokenCount(usage.reasoningTokens));
  return Math.ceil(input - cached + cached * weight + output - reasoning);
}
