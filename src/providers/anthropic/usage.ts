import type { UsageReport } from '../../domain/usage-report.js';

/** Anthropic's usage fields as last set (message_start, then cumulative message_delta). */
export interface AnthropicUsageFields {
  input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  output_tokens?: number;
}

const FIELDS = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens'] as const;

/**
 * Overwrite the fields a usage object carries (numbers only), keeping the others: Anthropic's counts are
 * cumulative, so a message_delta SETs output_tokens and must not wipe message_start's input fields.
 */
export function setAnthropicUsage(into: AnthropicUsageFields, raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const u = raw as Record<string, unknown>;
  let any = false;
  for (const f of FIELDS) {
    const v = u[f];
    if (typeof v === 'number' && Number.isFinite(v)) {
      into[f] = v;
      any = true;
    }
  }
  return any;
}

/**
 * Normalise to a UsageReport: inputTokens = input + cache creation + cache read (Anthropic's input_tokens
 * excludes both), cachedInputTokens = cache read.
 */
export function normaliseAnthropicUsage(f: AnthropicUsageFields): UsageReport {
  const r: UsageReport = {};
  const anyInput = f.input_tokens !== undefined || f.cache_creation_input_tokens !== undefined || f.cache_read_input_tokens !== undefined;
  if (anyInput) r.inputTokens = (f.input_tokens ?? 0) + (f.cache_creation_input_tokens ?? 0) + (f.cache_read_input_tokens ?? 0);
  if (f.cache_read_input_tokens !== undefined) r.cachedInputTokens = f.cache_read_input_tokens;
  if (f.cache_creation_input_tokens !== undefined) r.cacheCreationInputTokens = f.cache_creation_input_tokens;
  if (f.output_tokens !== undefined) r.outputTokens = f.output_tokens;
  return r;
}

/** Usage of a complete `/v1/messages` JSON response. */
export function anthropicUsageFromJson(json: unknown): UsageReport | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const fields: AnthropicUsageFields = {};
  return setAnthropicUsage(fields, (json as Record<string, unknown>).usage) ? normaliseAnthropicUsage(fields) : undefined;
}
