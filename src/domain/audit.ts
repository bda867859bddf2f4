import type { JsonObject } from './json.js';

/** What an admin change did (DESIGN §4 audit trail). */
export const AUDIT_ACTIONS = ['override.set', 'override.delete', 'policy.set', 'policy.delete', 'config.reload'] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Audit entries a store keeps: the newest, the older ones dropped as new ones arrive. */
export const AUDIT_ENTRIES_KEPT = 1000;

/** One admin change, as recorded in the store. */
export interface AuditEntry {
  /** Unix ms. */
  at: number;
  action: AuditAction;
  /** What it changed: an agent id, or the config file. */
  target: string;
  /** The change itself (the override, the policy, the reloaded keys). */
  detail: JsonObject;
  /** Who made it: the admin client's address, or `signal:SIGHUP`. */
  client: string;
}
