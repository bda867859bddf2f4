import { TokenNinjaError } from '../errors/errors.js';

/** Errors the agents' port answers itself, each with a stable code (documented in the README). */
export const PROXY_ERROR_CODES = {
  not_found: 404,
  invalid_agent: 400,
  agent_required: 400,
  invalid_api_key: 401,
  agent_mismatch: 403,
  invalid_header: 400,
  invalid_path: 400,
  invalid_json: 400,
  invalid_body: 400,
  body_too_large: 413,
  method_not_allowed: 405,
  token_budget_exceeded: 429,
  upstream_unreachable: 502,
  upstream_timeout: 504,
  store_unavailable: 503,
  shutting_down: 503,
} as const;

export type ProxyErrorCode = keyof typeof PROXY_ERROR_CODES;

export class ProxyError extends TokenNinjaError {
  constructor(
    override readonly code: ProxyErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(code, PROXY_ERROR_CODES[code], message, options);
    this.headers = options?.headers ?? {};
  }
  /** Extra response headers (retry-after on 429). */
  readonly headers: Record<string, string>;
}
