/** Response headers the real APIs send, so the proxy is tested against their shape (it must replace, not duplicate, x-ratelimit-*). */
import type { MockBehaviour } from './behaviour.js';

export type ProviderFormat = 'openai' | 'anthropic';

export const JSON_TYPE = 'application/json';
export const SSE_TYPE = 'text/event-stream; charset=utf-8';

const OPENAI_TOKEN_LIMIT = 30_000_000;
const ANTHROPIC_TOKEN_LIMIT = 2_000_000;

/** Headers for a reply in the given format. `tokens` is what this request used (for the remaining-tokens figure). */
export function providerHeaders(
  format: ProviderFormat,
  contentType: string,
  requestId: string,
  behaviour: MockBehaviour,
  nowMs: number,
  tokens = 0,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (contentType === SSE_TYPE) headers['cache-control'] = 'no-cache';
  if (format === 'openai') {
    headers['openai-version'] = '2020-10-01';
    headers['openai-processing-ms'] = String(behaviour.latencyMs);
    headers['x-request-id'] = requestId;
    if (behaviour.rateLimitHeaders) {
      headers['x-ratelimit-limit-requests'] = '10000';
      headers['x-ratelimit-limit-tokens'] = String(OPENAI_TOKEN_LIMIT);
      headers['x-ratelimit-remaining-requests'] = '9999';
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, OPENAI_TOKEN_LIMIT - tokens));
      headers['x-ratelimit-reset-requests'] = '6ms';
      headers['x-ratelimit-reset-tokens'] = '0s';
    }
  } else {
    headers['request-id'] = requestId;
    headers['anthropic-organization-id'] = '00000000-0000-4000-8000-000000000000';
    if (behaviour.rateLimitHeaders) {
      const reset = new Date(nowMs + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      headers['anthropic-ratelimit-requests-limit'] = '4000';
      headers['anthropic-ratelimit-requests-remaining'] = '3999';
      headers['anthropic-ratelimit-requests-reset'] = reset;
      headers['anthropic-ratelimit-tokens-limit'] = String(ANTHROPIC_TOKEN_LIMIT);
      headers['anthropic-ratelimit-tokens-remaining'] = String(Math.max(0, ANTHROPIC_TOKEN_LIMIT - tokens));
      headers['anthropic-ratelimit-tokens-reset'] = reset;
    }
  }
  return headers;
}
