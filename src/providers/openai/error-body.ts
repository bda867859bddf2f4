import type { ProviderErrorSpec } from '../adapter.js';

/** OpenAI's error `type` for an HTTP status the proxy answers itself. */
export function openAIErrorType(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  // OpenAI answers a missing or wrong key with 401 and type invalid_request_error (code invalid_api_key).
  if (status === 401) return 'invalid_request_error';
  if (status === 403) return 'permission_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** `{"error":{"message","type","param":null,"code"}}`, the shape OpenAI's SDKs parse. */
export function openAIErrorBody(err: ProviderErrorSpec): string {
  return JSON.stringify({ error: { message: err.message, type: openAIErrorType(err.status), param: null, code: err.code } });
}
