import type { UsageReport } from '../../domain/usage-report.js';

/** Anthropic's usage fields as last set (message_start, then cumulative message_delta). */
export interface AnthropicUsageFields {
  input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  output_tokens?: number;
  /** usage.cache_creation.ephemeral_5m_input_tokens: cache writes at the 5-minute TTL. */
  ephemeral_5m_input_tokens?: number;
  /** usage.cache_creation.ephemeral_1h_input_tokens: cache writes at the 1-hour TTL (billed at 2× input, not 1.25×). */
  ephemeral_1h_input_tokens?: number;
}

const FIELDS = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens'] as const;
const TTL_FIELDS = ['ephemeral_5m_input_tokens', 'ephemeral_1h_input_tokens'] as const;

function setNumbers<K extends keyof AnthropicUsageFields>(into: AnthropicUsageFields, from: Record<string, unknown>, keys: readonly K[]): boolean {
  let any = false;
  for (const f of keys) {
    const v = from[f];
    if (typeof v === 'number' && Number.isFinite(v)) {
      into[f] = v;
      any = true;
    }
  }
  return any;
}

/**
 * Overwrite the fields a usage object carries (numbers only), keeping the others: Anthropic's counts are
 * cumulative, so a message_delta SETs output_tokens and must not wipe message_start's input fields.
 */
export function setAnthropicUsage(into: AnthropicUsageFields, raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const u = raw as Record<string, unknown>;
  const any = setNumbers(into, u, FIELDS);
  const ttl = u.cache_creation;
  // The TTL split alone is not usage: it only details cache_creation_input_tokens.
  if (typeof ttl === 'object' && ttl !== null) setNumbers(into, ttl as Record<string, unknown>, TTL_FIELDS);
  return any;
}

/**
 * Normalise to a UsageReport: inputTokens = input + cache creation + cache read (Anthropic's input_tokens
 * excludes both), cachedInputTokens = cache read, cacheCreationInputTokens = cache creation (with its TTL split).
 */
export function normaliseAnthropicUsage(f: AnthropicUsageFields): UsageReport {
  const r: UsageReport = {};
  const split = f.ephemeral_5m_input_tokens !== undefined || f.ephemeral_1h_input_tokens !== undefined;
  const creation = f.cache_creation_input_tokens ?? (split ? (f.ephemeral_5m_input_tokens ?? 0) + (f.ephemeral_1h_input_tokens ?? 0) : undefined);
  const anyInput = f.input_tokens !== undefined || creation !== undefined || f.cache_read_input_tokens !== undefined;
  if (anyInput) r.inputTokens = (f.input_tokens ?? 0) + (creation ?? 0) + (f.cache_read_input_tokens ?? 0);
  if (f.cache_read_input_tokens !== undefined) r.cachedInputTokens = f.cache_read_input_tokens;
  if (creation !== undefined) r.cacheCreationInputTokens = creation;
  if (f.ephemeral_5m_input_tokens !== undefined) r.cacheCreation5mInputTokens = f.ephemeral_5m_input_tokens;
  if (f.ephemeral_1h_input_tokens !== undefined) r.cacheCreation1hInputTokens = f.ephemeral_1h_input_tokens;
  if (f.output_tokens !== undefined) r.outputTokens = f.output_tokens;
  return r;
}

/** Usage of a complete `/v1/messages` JSON response. */
export function anthropicUsageFromJson(json: unknown): UsageReport | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const fields: AnthropicUsageFields = {};
  return setAnthropicUsage(fields, (json as Record<string, unknown>).usage) ? normaliseAnthropicUsage(fields) : undefined;
}
