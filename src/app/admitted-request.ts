import type { ChargeUnit } from '../accounting/charge-unit.js';
import type { ReconciliationListener, ReconciliationRecord } from '../accounting/record.js';
import type { Admission as BudgetAdmission } from '../budget/admission.js';
import type { Reservation } from '../budget/ledger.js';
import type { TeamOf } from '../domain/team.js';
import type { UsageReport } from '../domain/usage-report.js';
import { costOf } from '../pricing/cost.js';
import type { PriceBook } from '../pricing/price-book.js';
import type { CapHold } from '../budget/period-caps.js';
import { adapterFor } from '../providers/registry.js';
import type { Admission } from '../proxy/metering.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RecentOutput } from '../tokens/recent-output.js';
import type { DollarSpend } from './dollar-spend.js';
import type { UsageSeries } from './usage-series.js';

/** What ending a reservation touches besides the ledger. */
export interface SettleDeps {
  admission: BudgetAdmission;
  /** What a request's usage costs in the budget's unit. */
  unit: ChargeUnit;
  prices: PriceBook;
  teamOf: TeamOf;
  /** Each agent's and team's dollars today and this month. */
  dollars: DollarSpend;
  usage: UsageSeries;
  metrics: Metrics;
  recent: RecentOutput;
  now: () => number;
  onRecord?: ReconciliationListener;
}

/**
 * One admitted request and the reservation it holds (and its hold on period caps, if any): the only thing
 * that can end them, and it ends them once — settled with the charge in the budget's unit (recorded as
 * consumption) or released in full.
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
    const usage: UsageReport = {
      inputTokens: record.actualInput,
      cachedInputTokens: record.cachedInput,
      cacheCreationInputTokens: record.cacheWriteInput,
      cacheCreation1hInputTokens: record.cacheWrite1hInput,
      outputTokens: record.actualOutput,
      reasoningTokens: record.reasoningOutput,
    };
    // Priced once: the dollars feed the cost metric and spend, and are the charge itself in unit usd.
    const price = deps.prices.priceOf(record.model);
    record.costUsd = costOf(usage, price).total;
    record.charged = deps.unit.charge(usage, record.costUsd);
    deps.admission.settle(this.reservation, record.charged);
    deps.metrics.recordCost(record.agent, record.model, record.costUsd);
    deps.dollars.record(record.agent, deps.teamOf(record.agent), record.costUsd, deps.now());
    // Counted where something was charged: an upstream error bills nothing, whatever its model.
    if (!price.priced && record.actualInput + record.actualOutput > 0) deps.metrics.recordUnpriced(record.model);
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
