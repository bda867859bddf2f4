/**
 * Optional max-tokens clamp (issue 5 item 9, off by default): when a request may generate more output than
 * its agent can afford, lower its max tokens to what fits, so the provider stops instead of the budget
 * overshooting. Trade-off: a clamped answer may be cut short (finish_reason `length`), which the agent
 * sees as a truncated reply rather than a 429.
 */

export interface ClampInput {
  enabled: boolean;
  /** Tokens the agent can spend now (typically its bucket balance, plus any burst granted). */
  affordable: number;
  /** Estimated input tokens of the request. */
  inputTokens: number;
  /** The request's own max output (max_tokens / max_output_tokens), if it set one. */
  requestedMaxTokens?: number;
  /** Never clamp below this (default 1): a request the agent cannot afford at all is admission's call. */
  minOutputTokens?: number;
}

/** The max output tokens to send upstream, or undefined when no clamp applies (disabled, or the request already fits). */
export function clampMaxTokens(input: ClampInput): number | undefined {
  if (!input.enabled) return undefined;
  const minOut = Math.max(1, Math.floor(input.minOutputTokens ?? 1));
  const fits = Math.max(minOut, Math.floor(input.affordable - input.inputTokens));
  const requested = input.requestedMaxTokens ?? Infinity;
  return requested <= fits ? undefined : fits;
}
