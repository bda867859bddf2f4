import { chargedTokens } from '../accounting/charge.js';
import type { ReconciliationListener, ReconciliationRecord } from '../accounting/record.js';
import type { Admission as BudgetAdmission } from '../budget/admission.js';
import type { Reservation } from '../budget/ledger.js';
import type { CapHold } from '../budget/period-caps.js';
import type { Config } from '../config/schema.js';
import { adapterFor } from '../providers/registry.js';
import type { Admission } from '../proxy/metering.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RecentOutput } from '../tokens/recent-output.js';
import type { UsageSeries } from './usage-series.js';

/** What ending a reservation touches besides the ledger. */
export interface SettleDeps {
  admission: BudgetAdmission;
  counting: Config['counting'];
  usage: UsageSeries;
  metrics: Metrics;
  recent: RecentOutput;
  now: () => number;
  onRecord?: ReconciliationListener;
}

/**
 * One admitted request and the reservation it holds (and its hold on period caps, if any): the only thing
 * that can end them, and it ends them once — settled with the charged tokens (recorded as consumption) or
 * released in full.
 */
export class AdmittedRequest implements Admission {
  headers: Record<string, string> = {};
  maxOutputTokens?: number;
  private ended = false;

  constructor(
    private readonly deps: SettleDeps,
    private readonly reservation: Reservation,
    readonly source: 'allocation' | 'burst',
    readonly queuedMs: number,
    private readonly caps?: CapHold,
  ) {}

  settle(record: ReconciliationRecord): void {
    if (this.ended) return;
    this.ended = true;
    const { deps } = this;
    record.charged = chargedTokens(
      { inputTokens: record.actualInput, cachedInputTokens: record.cachedInput, outputTokens: record.actualOutput, reasoningTokens: record.reasoningOutput },
      deps.counting,
    );
    deps.admission.settle(this.reservation, record.charged);
    this.caps?.settle(record.charged);
    deps.usage.consumed(record.agent, record.charged, deps.now());
    if (record.source === 'provider') {
      deps.metrics.recordReconciliation(record);
      deps.recent.record(record.agent, record.model, record.actualOutput);
      adapterFor(record.provider).observe?.(record.model, record.estimatedInput, record.actualInput);
    } else {
      deps.metrics.recordTokens(record.agent, record.provider, record.model, 'input', record.actualInput);
      deps.metrics.recordTokens(record.agent, record.provider, record.model, 'output', record.actualOutput);
    }
    deps.onRecord?.(record);
  }

  release(): void {
    if (this.ended) return;
    this.ended = true;
    this.deps.admission.release(this.reservation);
    this.caps?.release();
  }
}
