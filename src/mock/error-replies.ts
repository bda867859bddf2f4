/** Error replies in each provider's own body format and headers. Pure. */
import type { MockBehaviour } from './behaviour.js';
import { JSON_TYPE, providerHeaders, type ProviderFormat } from './provider-headers.js';
import type { JsonReply } from './reply.js';

const ANTHROPIC_TYPES: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'Invalid request'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.'],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
};

function openAiType(status: number): string {
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** OpenAI's message for an error of this status when nothing more specific is said. */
export function openAiDefaultMessage(status: number): string {
  return status >= 500
    ? 'The server had an error while processing your request. Sorry about that!'
    : `Request failed with status ${status}.`;
}

/** An error reply with the given status; OpenAI's error bodies are indented by four spaces, Anthropic's are compact. */
export function errorReply(
  format: ProviderFormat,
  status: number,
  requestId: string,
  behaviour: MockBehaviour,
  nowMs: number,
  message?: string,
): JsonReply {
  const headers = providerHeaders(format, JSON_TYPE, requestId, behaviour, nowMs);
  if (format === 'openai') {
    const body = {
      error: { message: message ?? openAiDefaultMessage(status), type: openAiType(status), param: null, code: null },
    };
    return { kind: 'json', status, headers, body: JSON.stringify(body, null, 4) };
  }
  const [type, defaultMessage] = ANTHROPIC_TYPES[status] ?? [status >= 500 ? 'api_error' : 'invalid_request_error', `Status ${status}`];
  const body = { type: 'error', error: { type, message: message ?? defaultMessage }, request_id: requestId };
  return { kind: 'json', status, headers, body: JSON.stringify(body) };
}

/** A 429 as the provider sends it: retry-after (whole seconds), retry-after-ms when sub-second precision matters, exhausted rate-limit headers. */
export function rateLimitReply(
  format: ProviderFormat,
  requestId: string,
  behaviour: MockBehaviour,
  nowMs: number,
  model: string,
  requested: number,
): JsonReply {
  const seconds = behaviour.retryAfterSeconds;
  const reply = errorReply(format, 429, requestId, behaviour, nowMs);
  if (format === 'openai') {
    const body = {
      error: {
        message: `Rate limit reached for ${model} in organization org-mock on tokens per min (TPM): Limit 30000, Used 30000, Requested ${requested}. Please try again in ${seconds}s.`,
        type: 'tokens',
        param: null,
        code: 'rate_limit_exceeded',
      },
    };
    reply.body = JSON.stringify(body, null, 4);
    reply.headers['x-ratelimit-remaining-tokens'] = '0';
    reply.headers['x-ratelimit-reset-tokens'] = `${seconds}s`;
  } else {
    reply.headers['anthropic-ratelimit-tokens-remaining'] = '0';
  }
  reply.headers['retry-after'] = String(Math.ceil(seconds));
  if (!Number.isInteger(seconds)) reply.headers['retry-after-ms'] = String(Math.round(seconds * 1000));
  return reply;
}
