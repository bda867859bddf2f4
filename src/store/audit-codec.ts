import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from '../domain/audit.js';
import type { JsonObject } from '../domain/json.js';

const ACTIONS: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

/**
 * An audit entry from fields read back from a backend: `detail` as JSON text (SQLite) or parsed (Redis JSON);
 * undefined for one this build cannot read (left out of the trail rather than failing every read).
 */
export function decodeAuditEntry(fields: { at: unknown; action: unknown; target: unknown; detail: unknown; client: unknown }): AuditEntry | undefined {
  const { at, action, target, client } = fields;
  if (typeof at !== 'number' || typeof action !== 'string' || !ACTIONS.has(action) || typeof target !== 'string' || typeof client !== 'string') return undefined;
  let detail: unknown;
  try {
    detail = typeof fields.detail === 'string' ? JSON.parse(fields.detail) : fields.detail;
  } catch {
    return undefined;
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return undefined;
  return { at, action: action as AuditAction, target, detail: detail as JsonObject, client };
}
