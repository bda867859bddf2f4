import { ConfigError } from '../config/errors.js';
import type { StoreErrorCode } from '../store/store-errors.js';
import { StoreError } from '../store/store-errors.js';

/** Exit codes of startup failures the operator fixes (README, "Configuration"); anything else exits 1. */
export const EXIT_CODES = { config: 2, store: 3 } as const;

/** Store failures at startup that the operator fixes; their messages end with the fix. */
const OPERATOR_STORE_CODES: ReadonlySet<StoreErrorCode> = new Set(['store_corrupt', 'store_unwritable', 'store_schema_too_new']);

/** What the CLI prints (one line, `token-ninja: <cause>; <fix>`) and the code it exits with. */
export interface OperatorFailure {
  line: string;
  exitCode: number;
}

/**
 * The one-line report of a failure the operator can fix (bad config, a store that cannot be opened), or
 * undefined for anything else: a bug, whose stack is worth printing.
 */
export function operatorFailure(err: unknown): OperatorFailure | undefined {
  if (err instanceof ConfigError) return { line: oneLine(`${err.message}; ${err.fix}`), exitCode: EXIT_CODES.config };
  if (err instanceof StoreError && OPERATOR_STORE_CODES.has(err.code)) return { line: oneLine(err.message), exitCode: EXIT_CODES.store };
  return undefined;
}

// A library's text (SQLite's, yaml's) may span lines; the operator's report must not.
function oneLine(message: string): string {
  return `token-ninja: ${message.replace(/\s*\n\s*/g, ' ')}`;
}
