/** Token usage as the provider reported it; fields the provider did not send are undefined. */
export interface UsageReport {
  /** All input tokens, cached ones included. */
  inputTokens?: number;
  /** Input tokens served from the provider's prompt cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens). */
  cachedInputTokens?: number;
  /** Anthropic cache_creation_input_tokens (already part of inputTokens as we normalise it). */
  cacheCreationInputTokens?: number;
  /** All output tokens, reasoning ones included. */
  outputTokens?: number;
  /** Reasoning tokens (part of outputTokens). */
  reasoningTokens?: number;
}
