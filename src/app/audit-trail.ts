import type { AuditEntry } from '../domain/audit.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

/**
 * Admin changes into the store's audit trail (`GET /v1/audit`). The change itself has already happened when
 * it is recorded, so a store failure here does not fail the change: the entry goes to the log instead.
 */
export class AuditTrail {
  constructor(private readonly deps: { store: Pick<Store, 'appendAudit' | 'audit'>; logger: Logger; metrics: Metrics }) {}

  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.deps.store.appendAudit(entry);
    } catch (err) {
      this.deps.metrics.recordStoreError();
      this.deps.logger.error({ err: { message: (err as Error).message }, audit: entry }, 'could not write an admin change to the audit trail; it is logged here instead');
    }
  }

  /** Up to `limit` entries, newest first. */
  recent(limit: number): Promise<AuditEntry[]> {
    return this.deps.store.audit(limit);
  }
}
