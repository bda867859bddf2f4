import { TokenNinjaError } from '../errors/errors.js';

/** Every error code the admin port answers with, and its HTTP status (documented in docs/observability.md). */
export const ADMIN_ERROR_CODES = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  invalid_body: 400,
  invalid_agent: 400,
  invalid_query: 400,
  invalid_config: 400,
  no_config_file: 409,
  internal: 500,
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERROR_CODES;

/** An admin API failure; answered as `{"error":{"code","message"}}` with its status. */
export class AdminError extends TokenNinjaError {
  constructor(code: AdminErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, ADMIN_ERROR_CODES[code], message, options);
  }
}
