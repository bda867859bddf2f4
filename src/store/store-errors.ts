import { TokenNinjaError } from '../errors/errors.js';

/** Every error code a store raises, and its HTTP status (for the README's error table). */
export const STORE_ERROR_CODES = {
  store_corrupt: 500,
  store_unwritable: 500,
  store_schema_too_new: 500,
  store_unavailable: 503,
  store_spec_invalid: 500,
  store_closed: 500,
} as const;

export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

/** Base class of every store failure, so callers can tell "the store" from other faults. */
export class StoreError extends TokenNinjaError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, STORE_ERROR_CODES[code], message, options);
  }
}

/** The database file exists but is not a readable SQLite database, or fails its integrity check. */
export class StoreCorruptError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_corrupt', message, options);
  }
}

/** The data directory or file cannot be created or written (permissions, read-only mount, full disk). */
export class StoreUnwritableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unwritable', message, options);
  }
}

/** The database was written by a newer Token Ninja (schema version above the one this build knows). */
export class StoreSchemaTooNewError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_schema_too_new', message, options);
  }
}

/** The shared store (Redis) cannot be reached right now; the caller decides to fail open or closed. */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unavailable', message, options);
  }
}

/** `TOKEN_NINJA_STORE` (or `store:` in config) names no store this build can open. */
export class StoreSpecError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_spec_invalid', message, options);
  }
}

/** An operation on a store that has already been closed. */
export class StoreClosedError extends StoreError {
  constructor(kind: string) {
    super('store_closed', `the ${kind} store is closed`);
  }
}

/** The message of anything thrown, for wrapping it in a store error's text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
