import type { ProviderErrorSpec } from '../adapter.js';

/** Anthropic's error `type` for an HTTP status the proxy answers itself. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** `{"type":"error","error":{"type","message"}}`, the shape Anthropic's SDKs parse. */
export function anthropicErrorBody(err: ProviderErrorSpec): string {
  return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(err.status), message: err.message } });
}
