import { TokenNinjaError } from '../errors/errors.js';
import { StoreError } from '../store/store-errors.js';

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
  /** A period cap (DESIGN §9) of a scope the request falls in is reached; retry-after runs to its UTC reset. */
  budget_cap_reached: 429,
  upstream_unreachable: 502,
  upstream_timeout: 504,
  store_unavailable: 503,
  shutting_down: 503,
  token_count_failed: 400,
  token_count_pool_closed: 503,
  token_count_worker_failed: 500,
  internal_error: 500,
  /** Never sent (the client is gone): how the handler learns that a waiting client left. */
  client_closed: 499,
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

/** Token-count failures keep their own code; the pool closes only while the proxy stops, hence 503. */
const TOKEN_COUNT_CODES = new Set<ProxyErrorCode>(['token_count_failed', 'token_count_pool_closed', 'token_count_worker_failed']);

/**
 * Names any failure on the agents' port as what it is: a ProxyError as is, a token-count failure by its
 * code, any store failure as `store_unavailable` (the store could not serve this request), anything else
 * as `internal_error` (a bug: never blamed on the upstream).
 */
export function asProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  if (err instanceof StoreError) return new ProxyError('store_unavailable', `the store could not serve this request (${err.code})`, { cause: err });
  if (err instanceof TokenNinjaError && TOKEN_COUNT_CODES.has(err.code as ProxyErrorCode)) return new ProxyError(err.code as ProxyErrorCode, err.message, { cause: err });
  return new ProxyError('internal_error', 'internal error', { cause: err });
}
