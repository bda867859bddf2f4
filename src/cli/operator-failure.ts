import { ConfigError } from '../config/errors.js';
import type { StoreErrorCode } from '../store/store-errors.js';
import { StoreError } from '../store/store-errors.js';

/** Exit codes of startup failures the operator fixes (README, "Configuration"); anything else exits 1. */
export const EXIT_CODES = { config: 2, store: 3, listen: 4 } as const;

/** Why a port could not be bound, by the system's error code. */
const LISTEN_CAUSES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'the address is not on this machine',
};

/** A failed `listen()` as Node reports it. */
interface ListenError extends Error {
  code: string;
  syscall: 'listen';
  address?: string;
  port?: number;
}

function isListenError(err: unknown): err is ListenError {
  return err instanceof Error && (err as Partial<ListenError>).syscall === 'listen' && typeof (err as Partial<ListenError>).code === 'string';
}

/** Store failures at startup that the operator fixes; their messages end with the fix. */
const OPERATOR_STORE_CODES: ReadonlySet<StoreErrorCode> = new Set(['store_corrupt', 'store_unwritable', 'store_schema_too_new']);

/** What the CLI prints (one line, `token-ninja: <cause>; <fix>`) and the code it exits with. */
export interface OperatorFailure {
  line: string;
  exitCode: number;
}

/**
 * The one-line report of a failure the operator can fix (bad config, a store that cannot be opened, a port
 * that cannot be bound), or
 * undefined for anything else: a bug, whose stack is worth printing.
 */
export function operatorFailure(err: unknown): OperatorFailure | undefined {
  if (err instanceof ConfigError) return { line: oneLine(`${err.message}; ${err.fix}`), exitCode: EXIT_CODES.config };
  if (err instanceof StoreError && OPERATOR_STORE_CODES.has(err.code)) return { line: oneLine(err.message), exitCode: EXIT_CODES.store };
  if (isListenError(err)) {
    const cause = LISTEN_CAUSES[err.code] ?? err.code;
    const where = `${err.address ?? 'the host'}:${err.port ?? '?'}`;
    return {
      line: oneLine(`cannot listen on ${where} (${cause}); stop what listens there, or choose another port (TOKEN_NINJA_PORT, TOKEN_NINJA_ADMIN_PORT) or host (TOKEN_NINJA_HOST)`),
      exitCode: EXIT_CODES.listen,
    };
  }
  return undefined;
}

// A library's text (SQLite's, yaml's) may span lines; the operator's report must not.
function oneLine(message: string): string {
  return `token-ninja: ${message.replace(/\s*\n\s*/g, ' ')}`;
}
