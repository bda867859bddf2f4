import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tokensPerUnit, type ChargeUnit } from '../accounting/charge-unit.js';
import type { ReconciliationListener } from '../accounting/record.js';
import type { Admission as BudgetAdmission } from '../budget/admission.js';
import { retryAfterHeaders } from '../budget/retry-after.js';
import { rateLimitHeaders } from '../budget/rate-limit-headers.js';
import { clampMaxTokens } from '../budget/max-tokens-clamp.js';
import type { CapHold, PeriodCaps } from '../budget/period-caps.js';
import type { Config } from '../config/schema.js';
import type { Estimate } from '../domain/estimate.js';
import { everyoneInDefaultTeam, type TeamOf } from '../domain/team.js';
import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { PriceBook } from '../pricing/price-book.js';
import { adapterFor } from '../providers/registry.js';
import { ProxyError } from '../proxy/errors.js';
import type { Admission, AdmissionRequest, Metering } from '../proxy/metering.js';
import type { Store, TaskRecordResult } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RecentOutput } from '../tokens/recent-output.js';
import { InputCounter } from '../tokens/input-counter.js';
import { TokenCountPool } from '../tokens/worker-pool.js';
import { AdmittedRequest, type SettleDeps } from './admitted-request.js';
import type { DollarSpend } from './dollar-spend.js';
import type { HintBoard } from './hint-board.js';
import { Fingerprint, RefusedRequests } from './refused-requests.js';
import { UsageSeries } from './usage-series.js';

export interface AccountantDeps {
  config: Config;
  admission: BudgetAdmission;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  hints: HintBoard;
  /** The budget's unit: what a reservation and a charge are counted in. */
  unit: ChargeUnit;
  /** Prices each settled request (`cost_usd_total`, the record's costUsd). */
  prices: PriceBook;
  /** An agent's team for the cost metric (default: everyone in `default`). */
  teamOf?: TeamOf;
  /** Tallies each settled request's dollars per agent and team. */
  dollars: DollarSpend;
  now: () => number;
  /** Period caps in force, where config has any (without, no request touches the store for them). */
  caps?: () => PeriodCaps | undefined;
  /** Called once per reconciled request (after the ledger settled it). */
  onRecord?: ReconciliationListener;
  /** Told each time an agent is refused or had to wait for its budget (the alerts' throttle watch). */
  onThrottled?: (agent: string, now: number) => void;
}

/**
 * Admission behind the proxy (the proxy's `Metering`): estimates a request, records what it asked for in the
 * usage series (a retry of a refused body once), reserves through the budget admission, and hands the
 * reservation to an {@link AdmittedRequest}, which alone ends it.
 */
export class Accountant implements Metering {
  /** Demand and consumption over time, for the forecast, fleet mode and the status page. */
  readonly usage: UsageSeries;
  private readonly recent = new RecentOutput();
  private readonly refused = new RefusedRequests();
  private readonly settleDeps: SettleDeps;
  private readonly pool: TokenCountPool | undefined;
  private readonly inputs: InputCounter;

  constructor(private readonly deps: AccountantDeps) {
    this.usage = new UsageSeries(deps.store, deps.logger);
    this.settleDeps = {
      admission: deps.admission,
      unit: deps.unit,
      prices: deps.prices,
      teamOf: deps.teamOf ?? everyoneInDefaultTeam,
      dollars: deps.dollars,
      usage: this.usage,
      metrics: deps.metrics,
      recent: this.recent,
      now: deps.now,
      onRecord: deps.onRecord,
    };
    const workerUrl = new URL('../tokens/count-worker.js', import.meta.url);
    // Under a TypeScript runner the compiled worker does not exist: count inline then.
    this.pool = existsSync(fileURLToPath(workerUrl)) ? new TokenCountPool({ workerUrl, size: 1 }) : undefined;
    this.inputs = new InputCounter({ pool: this.pool });
  }

  async estimate(provider: ProviderName, route: MeteredRoute, body: JsonObject, agent: string, raw?: Buffer): Promise<Estimate> {
    const adapter = adapterFor(provider);
    const model = typeof body.model === 'string' ? body.model : '';
    const ctx = { recentOutputTokens: this.recent.get(agent, model), defaultOutputTokens: this.deps.config.defaultOutputTokens };
    // Large new text is counted on a worker thread so it never stalls the event loop.
    return adapter.estimateFromInput(route, body, ctx, await this.inputs.count(route, body, agent, raw));
  }

  async admit(request: AdmissionRequest): Promise<Admission> {
    const { deps, usage } = this;
    const now = deps.now();
    const { agent, estimate, hints } = request;
    const cost = deps.unit.reserve(estimate);
    const fingerprint = new Fingerprint(request.body);
    deps.hints.note(agent, hints, now);
    usage.touch(agent, now);
    // A scope at its period cap is refused before it queues: waiting would not help before the reset.
    const periodCaps = deps.caps?.();
    const caps = periodCaps === undefined ? undefined : await this.holdCaps(periodCaps, agent, cost, now);
    // An SDK retrying a refused request asks for the same tokens again, not for more (DESIGN §8).
    if (this.refused.isRetry(agent, fingerprint, now)) deps.metrics.recordDemandRetry(agent);
    else usage.asked(agent, cost, now);
    usage.enqueue(agent, cost);
    let result;
    try {
      result = await deps.admission.acquire({ agent, cost, priority: hints.priority, deadline: hints.deadline, signal: request.signal });
    } catch (err) {
      caps?.release();
      throw err;
    } finally {
      usage.dequeue(agent, cost);
    }
    if (result.queuedMs > 0 || !result.admitted) deps.metrics.observeQueueWait(result.queuedMs / 1000);
    const decision = result.decision;
    // A grant from the newcomer reserve is not a throttle.
    if (decision?.wouldBe !== undefined && decision.wouldBe.action !== 'forward' && decision.wouldBe.action !== 'forward-from-newcomers') {
      const would = decision.wouldBe.action === 'queue' ? 'queued' : decision.wouldBe.action === 'reject' ? 'rejected' : 'burst';
      deps.metrics.recordWouldBe(agent, would);
      deps.logger.info({ agent, wouldBe: decision.wouldBe, cost }, 'observe mode: request would have been throttled');
    }
    if (!result.admitted) {
      caps?.release();
      if (result.reason === 'aborted') throw new ProxyError('client_closed', 'the client went away while queued');
      const headers = { ...retryAfterHeaders(result.retryAfterMs), ...rateLimitHeaders(deps.admission.view(agent), tokensPerUnit(estimate, cost)) };
      if (result.reason === 'shutdown') throw new ProxyError('shutting_down', 'the proxy is shutting down', { headers });
      request.trace?.decided({ admitted: false, reason: result.reason, queuedMs: result.queuedMs, retryAfterMs: result.retryAfterMs });
      this.throttled(agent);
      this.refused.refused(agent, fingerprint, deps.now());
      throw new ProxyError('token_budget_exceeded', `${deps.unit.name === 'usd' ? 'dollar' : 'token'} budget exceeded for agent ${agent} (${result.reason}); retry in ${Math.ceil(result.retryAfterMs / 1000)}s`, { headers });
    }
    const admitted = new AdmittedRequest(this.settleDeps, result.reservation, result.source, result.queuedMs, caps);
    // From here the reservation is the caller's to end; until it is handed over, a throw must release it.
    try {
      this.refused.admitted(agent, fingerprint);
      if (result.queuedMs > 0) this.throttled(agent);
      if (result.source === 'burst') deps.metrics.recordBurstDraw(agent);
      const view = deps.admission.view(agent);
      const headers = admitted.headers;
      // The SDKs read x-ratelimit-*-tokens as tokens of this request's model, whatever the budget's unit.
      const perUnit = tokensPerUnit(estimate, cost);
      Object.assign(headers, rateLimitHeaders(view, perUnit));
      headers['x-token-ninja-allocation'] = deps.unit.format(view.allocation);
      headers['x-token-ninja-source'] = result.source;
      if (result.queuedMs > 0) headers['x-token-ninja-queued-ms'] = String(Math.round(result.queuedMs));
      if (deps.config.clampMaxTokens) {
        const max = clampMaxTokens({
          enabled: true,
          affordable: Math.max(0, view.balance + cost) * perUnit,
          inputTokens: estimate.inputTokens,
          requestedMaxTokens: estimate.outputSource === 'request' ? estimate.outputTokens : undefined,
        });
        if (max !== undefined) admitted.maxOutputTokens = max;
      }
      request.trace?.decided({ admitted: true, source: result.source, queuedMs: result.queuedMs });
    } catch (err) {
      admitted.release();
      throw err;
    }
    return admitted;
  }

  /** Reserve `cost` on every period cap the agent falls in, or refuse with `budget_cap_reached` until the cap's reset. */
  /** Refused or made to wait for lack of budget: the forecast marks it, the throttle alert watches it. */
  private throttled(agent: string): void {
    this.usage.throttled(agent);
    this.deps.onThrottled?.(agent, this.deps.now());
  }

  private async holdCaps(caps: PeriodCaps, agent: string, cost: number, now: number): Promise<CapHold> {
    const { deps } = this;
    const result = await caps.reserve(agent, cost, now);
    if (!result.admitted) {
      const { cap } = result;
      deps.metrics.recordCapBlock(cap.scope);
      // Marked throttled for the forecast, but no throttle alert: a blocked cap raises its own (threshold 1.0).
      this.usage.throttled(agent);
      const resets = new Date(cap.resetsAt).toISOString();
      throw new ProxyError('budget_cap_reached', `the ${cap.period} cap of ${cap.scope} is reached (${Math.ceil(cap.used + cap.reserved)} of ${cap.limit}); it resets at ${resets}`, {
        headers: retryAfterHeaders(cap.resetsAt - now),
      });
    }
    if (result.wouldBlock !== undefined) {
      deps.metrics.recordWouldBe(agent, 'rejected');
      deps.logger.info({ agent, cap: result.wouldBlock, cost }, 'observe mode: request would have been refused by a period cap');
    }
    return result.hold;
  }

  /** Record a task report (self-reported on the agents' port, else an evaluator's); a repeat counts nothing (DESIGN §3). */
  async reportTask(agent: string, task: string, completed: boolean, quality: number, selfReported = true): Promise<TaskRecordResult> {
    const { deps } = this;
    const now = deps.now();
    this.usage.touch(agent, now);
    const trusted = selfReported ? quality * deps.config.trustSelfReportedQuality : quality;
    const source = selfReported ? 'agent' : 'evaluator';
    const [result = { duplicate: false, replaced: false }] = await deps.store.recordTasks([{ agent, task, at: now, completed, quality: trusted, source }]);
    if (completed && !result.duplicate) deps.metrics.recordTaskCompleted(agent);
    return result;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
