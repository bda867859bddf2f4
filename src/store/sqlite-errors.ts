import { messageOf, StoreCorruptError, StoreUnwritableError } from './store-errors.js';

/** SQLite result codes that mean "this file is not (or no longer) a sound database". */
const CORRUPT = /^SQLITE_(NOTADB|CORRUPT)/;
/** Result codes (and Node fs codes) that mean "we may not or cannot write here". */
const UNWRITABLE = /^(SQLITE_(CANTOPEN|READONLY|PERM|FULL|IOERR|AUTH)|EACCES|EPERM|EROFS|ENOSPC|ENOTDIR|EEXIST|EISDIR)/;

/** What the operator does about a store path that cannot be written (the second half of each such message). */
export const UNWRITABLE_FIX = "make it writable by the proxy's user (and free disk space), or point the store (TOKEN_NINJA_STORE) elsewhere";

/** The `code` of a thrown SQLite or fs error, if it carries one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Turn a raw better-sqlite3 / fs failure into the typed store error the operator can act on;
 * anything unrecognised is returned unchanged.
 */
export function toStoreError(err: unknown, path: string): unknown {
  const code = errorCode(err) ?? '';
  if (CORRUPT.test(code)) {
    return new StoreCorruptError(
      `the SQLite store ${path} is unreadable (${messageOf(err)}); it was left untouched: restore a backup or move it aside to start empty`,
      { cause: err },
    );
  }
  if (UNWRITABLE.test(code)) {
    return new StoreUnwritableError(`the SQLite store ${path} cannot be written (${code}: ${messageOf(err)}); ${UNWRITABLE_FIX}`, {
      cause: err,
    });
  }
  return err;
}
