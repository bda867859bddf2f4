/** Token usage as the provider reported it; fields the provider did not send are undefined. */
export interface UsageReport {
  /** All input tokens, cached ones included. */
  inputTokens?: number;
  /** Input tokens served from the provider's prompt cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens). */
  cachedInputTokens?: number;
  /** Anthropic cache_creation_input_tokens (already part of inputTokens as we normalise it). */
  cacheCreationInputTokens?: number;
  /** Of cacheCreationInputTokens, written with the 5-minute TTL (Anthropic usage.cache_creation.ephemeral_5m_input_tokens). */
  cacheCreation5mInputTokens?: number;
  /** Of cacheCreationInputTokens, written with the 1-hour TTL (Anthropic usage.cache_creation.ephemeral_1h_input_tokens). */
  cacheCreation1hInputTokens?: number;
  /** All output tokens, reasoning ones included. */
  outputTokens?: number;
  /** Reasoning tokens (part of outputTokens). */
  reasoningTokens?: number;
}

/** A reported count as a usable one: missing, negative or non-finite counts are 0. */
export function tokenCount(v: number | undefined): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : 0;
}
