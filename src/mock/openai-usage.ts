/** OpenAI `usage` objects, in the field order the API sends. Pure. */
import type { Generation } from './generation.js';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/** Usage for chat and legacy completions; cached tokens are capped at the prompt. */
export function chatUsage(promptTokens: number, cachedTokens: number, gen: Generation): ChatUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: gen.outputTokens,
    total_tokens: promptTokens + gen.outputTokens,
    prompt_tokens_details: { cached_tokens: Math.min(cachedTokens, promptTokens), audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: gen.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Usage for the Responses API. */
export function responsesUsage(promptTokens: number, cachedTokens: number, gen: Generation) {
  return {
    input_tokens: promptTokens,
    input_tokens_details: { cached_tokens: Math.min(cachedTokens, promptTokens) },
    output_tokens: gen.outputTokens,
    output_tokens_details: { reasoning_tokens: gen.reasoningTokens },
    total_tokens: promptTokens + gen.outputTokens,
  };
}
