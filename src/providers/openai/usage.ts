import type { UsageReport } from '../../domain/usage-report.js';
import { num, obj } from '../../tokens/json-narrow.js';

/**
 * An OpenAI `usage` object as a UsageReport: Chat/Completions/Embeddings names (prompt_tokens, completion_tokens,
 * *_details) and Responses API names (input_tokens, output_tokens, *_details). Undefined if it is not one.
 */
export function openAIUsage(raw: unknown): UsageReport | undefined {
  const u = obj(raw);
  if (!u) return undefined;
  const input = num(u.prompt_tokens) ?? num(u.input_tokens);
  const output = num(u.completion_tokens) ?? num(u.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const inDetails = obj(u.prompt_tokens_details) ?? obj(u.input_tokens_details);
  const outDetails = obj(u.completion_tokens_details) ?? obj(u.output_tokens_details);
  const report: UsageReport = {};
  if (input !== undefined) report.inputTokens = input;
  // Embeddings report prompt_tokens and total_tokens only: no output.
  report.outputTokens = output ?? 0;
  const cached = num(inDetails?.cached_tokens);
  if (cached !== undefined) report.cachedInputTokens = cached;
  const reasoning = num(outDetails?.reasoning_tokens);
  if (reasoning !== undefined) report.reasoningTokens = reasoning;
  return report;
}
