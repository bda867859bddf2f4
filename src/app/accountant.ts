import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chargedTokens } from '../accounting/charge.js';
import type { ReconciliationListener, ReconciliationRecord } from '../accounting/record.js';
import type { Admission as BudgetAdmission } from '../budget/admission.js';
import type { Reservation } from '../budget/ledger.js';
import { retryAfterHeaders } from '../budget/retry-after.js';
import { rateLimitHeaders } from '../budget/rate-limit-headers.js';
import { clampMaxTokens } from '../budget/max-tokens-clamp.js';
import type { Config } from '../config/schema.js';
import type { Estimate, JsonObject, MeteredRoute, ProviderName } from '../providers/adapter.js';
import { adapterFor } from '../providers/registry.js';
import { ProxyError } from '../proxy/errors.js';
import type { Admission, AdmissionRequest, Metering } from '../proxy/metering.js';
import type { Store, UsageDelta } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RecentOutput } from '../tokens/recent-output.js';
import { TokenCountPool } from '../tokens/worker-pool.js';
import { estimateAsync } from '../tokens/estimate-async.js';
import type { HintBoard } from './hint-board.js';

const MINUTE = 60_000;

export interface AccountantDeps {
  config: Config;
  admission: BudgetAdmission;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  hints: HintBoard;
  now: () => number;
  /** Called once per reconciled request (after the ledger settled it). */
  onRecord?: ReconciliationListener;
}

/**
 * Accounting and enforcement behind the proxy (the proxy's `Metering`): estimates, reserves through the
 * budget admission, settles each reservation exactly once with the charged tokens, and records demand
 * (what was asked, refused included) and consumption in minute buckets for the forecast.
 */
export class Accountant implements Metering {
  private readonly recent = new RecentOutput();
  private readonly reservations = new WeakMap<Admission, Reservation>();
  /** Agents this process has recorded, with the first-seen time it recorded. */
  private readonly seen = new Map<string, number>();
  private pool: TokenCountPool | undefined;
  private consumedThisTick = new Map<string, number>();
  private throttledThisTick = new Map<string, number>();
  private readonly queued = new Map<string, number>();
  private tickDemand = new Map<string, number>();
  /** This proxy's usage per agent in the last two minutes (fleet mode publishes the running one each tick). */
  private readonly byMinute = new Map<number, Map<string, { demand: number; consumed: number }>>();

  constructor(private readonly deps: AccountantDeps) {
    const workerUrl = new URL('../tokens/count-worker.js', import.meta.url);
    // Under a TypeScript runner the compiled worker does not exist: count inline then.
    if (existsSync(fileURLToPath(workerUrl))) this.pool = new TokenCountPool({ workerUrl, size: 1 });
  }

  async estimate(provider: ProviderName, route: MeteredRoute, body: JsonObject, agent: string, raw?: Buffer): Promise<Estimate> {
    const adapter = adapterFor(provider);
    const model = typeof body.model === 'string' ? body.model : '';
    const ctx = { recentOutputTokens: this.recent.get(agent, model), defaultOutputTokens: this.deps.config.defaultOutputTokens };
    // Large prompts are counted on a worker thread so they never stall the event loop.
    return raw === undefined ? adapter.estimate(route, body, ctx) : estimateAsync(adapter, route, body, raw, ctx, this.pool);
  }

  async admit(request: AdmissionRequest): Promise<Admission> {
    const { deps } = this;
    const now = deps.now();
    const { agent, estimate, hints } = request;
    const cost = estimate.inputTokens + estimate.outputTokens;
    deps.hints.note(agent, hints, now);
    this.touch(agent, now);
    this.addUsage({ agent, minute: Math.floor(now / MINUTE), demand: cost, consumed: 0 });
    this.queued.set(agent, (this.queued.get(agent) ?? 0) + cost);
    // Drained each tick in fleet mode; bounded otherwise (one entry per agent, cleared like `seen`).
    if (this.tickDemand.size > 100_000) this.tickDemand.clear();
    this.bump(this.tickDemand, agent, cost);
    let result;
    try {
      result = await deps.admission.acquire({ agent, cost, priority: hints.priority, deadline: hints.deadline, signal: request.signal });
    } finally {
      const left = (this.queued.get(agent) ?? cost) - cost;
      if (left > 0) this.queued.set(agent, left);
      else this.queued.delete(agent);
    }
    if (result.queuedMs > 0 || !result.admitted) {
      deps.metrics.observeQueueWait(result.queuedMs / 1000);
      deps.metrics.setQueueDepth(deps.admission.queueDepth);
    }
    const decision = result.decision;
    // A grant from the newcomer reserve is not a throttle.
    if (decision?.wouldBe !== undefined && decision.wouldBe.action !== 'forward' && decision.wouldBe.action !== 'forward-from-newcomers') {
      const would = decision.wouldBe.action === 'queue' ? 'queued' : decision.wouldBe.action === 'reject' ? 'rejected' : 'burst';
      deps.metrics.recordWouldBe(agent, would);
      deps.logger.info({ agent, wouldBe: decision.wouldBe, cost }, 'observe mode: request would have been throttled');
    }
    if (!result.admitted) {
      if (result.reason === 'aborted') throw new ProxyError('shutting_down', 'client went away while queued');
      this.bump(this.throttledThisTick, agent, 1);
      const headers = { ...retryAfterHeaders(result.retryAfterMs), ...rateLimitHeaders(deps.admission.view(agent)) };
      if (result.reason === 'shutdown') throw new ProxyError('shutting_down', 'the proxy is shutting down', { headers });
      throw new ProxyError('token_budget_exceeded', `token budget exceeded for agent ${agent} (${result.reason}); retry in ${Math.ceil(result.retryAfterMs / 1000)}s`, { headers });
    }
    if (result.queuedMs > 0) this.bump(this.throttledThisTick, agent, 1);
    if (result.source === 'burst') deps.metrics.recordBurstDraw(agent);
    const view = deps.admission.view(agent);
    const headers: Record<string, string> = { ...rateLimitHeaders(view) };
    headers['x-token-ninja-allocation'] = String(Math.floor(view.allocation));
    headers['x-token-ninja-source'] = result.source;
    if (result.queuedMs > 0) headers['x-token-ninja-queued-ms'] = String(Math.round(result.queuedMs));
    const admission: Admission = { source: result.source, queuedMs: result.queuedMs, headers };
    if (deps.config.clampMaxTokens) {
      const max = clampMaxTokens({
        enabled: true,
        affordable: Math.max(0, view.balance + cost),
        inputTokens: estimate.inputTokens,
        requestedMaxTokens: estimate.outputSource === 'request' ? estimate.outputTokens : undefined,
      });
      if (max !== undefined) admission.maxOutputTokens = max;
    }
    this.reservations.set(admission, result.reservation);
    return admission;
  }

  settle(admission: Admission, record: ReconciliationRecord): void {
    const { deps } = this;
    const reservation = this.reservations.get(admission);
    if (reservation === undefined) return;
    this.reservations.delete(admission);
    record.charged = chargedTokens(
      { inputTokens: record.actualInput, cachedInputTokens: record.cachedInput, outputTokens: record.actualOutput, reasoningTokens: record.reasoningOutput },
      deps.config.counting,
    );
    deps.admission.settle(reservation, record.charged);
    const now = deps.now();
    this.addUsage({ agent: record.agent, minute: Math.floor(now / MINUTE), demand: 0, consumed: record.charged });
    this.bump(this.consumedThisTick, record.agent, record.charged);
    if (record.source === 'provider') {
      deps.metrics.recordReconciliation(record);
      this.recent.record(record.agent, record.model, record.actualOutput);
      adapterFor(record.provider).observe?.(record.model, record.estimatedInput, record.actualInput);
    } else {
      deps.metrics.recordTokens(record.agent, record.provider, record.model, 'input', record.actualInput);
      deps.metrics.recordTokens(record.agent, record.provider, record.model, 'output', record.actualOutput);
    }
    deps.onRecord?.(record);
  }

  async reportTask(agent: string, task: string, completed: boolean, quality: number, selfReported = true): Promise<void> {
    const { deps } = this;
    const now = deps.now();
    this.touch(agent, now);
    const trusted = selfReported ? quality * deps.config.trustSelfReportedQuality : quality;
    await deps.store.addTasks([{ agent, task, at: now, completed, quality: trusted }]);
    if (completed) deps.metrics.recordTaskCompleted(agent);
  }

  /**
   * Record again every first-seen this process knows (after the shared store came back: a Redis restarted
   * without persistence forgot them). The store keeps the earliest time, so this never moves one later.
   */
  retouchAgents(): void {
    if (this.seen.size === 0) return;
    const seen = [...this.seen].map(([agent, firstSeen]) => ({ agent, firstSeen }));
    this.deps.store.touchAgents(seen).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not record first-seen'));
  }

  /** Demand waiting in the queue now, per agent (tokens at estimated cost). */
  queuedDemand(): ReadonlyMap<string, number> {
    return new Map(this.queued);
  }

  /** Drains the demand (asked tokens, per agent) this proxy saw since the last call: fleet mode publishes it each tick. */
  takeTickDemand(): ReadonlyMap<string, number> {
    const demand = this.tickDemand;
    this.tickDemand = new Map();
    return demand;
  }

  /** This proxy's usage per agent in `minute`, if that is the running minute or the one before. */
  partialUsage(minute: number): ReadonlyMap<string, { demand: number; consumed: number }> {
    return new Map([...(this.byMinute.get(minute) ?? [])].map(([agent, u]) => [agent, { ...u }]));
  }

  /** Drains the per-tick activity counters (for the status page's history). */
  takeActivity(): { consumed: ReadonlyMap<string, number>; throttled: ReadonlyMap<string, number> } {
    const activity = { consumed: this.consumedThisTick, throttled: this.throttledThisTick };
    this.consumedThisTick = new Map();
    this.throttledThisTick = new Map();
    return activity;
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  private touch(agent: string, now: number): void {
    if (this.seen.has(agent)) return;
    if (this.seen.size > 100_000) this.seen.clear();
    this.seen.set(agent, now);
    this.deps.store.touchAgents([{ agent, firstSeen: now }]).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not record first-seen'));
  }

  private addUsage(delta: UsageDelta): void {
    let agents = this.byMinute.get(delta.minute);
    if (agents === undefined) {
      this.byMinute.set(delta.minute, (agents = new Map()));
      for (const m of this.byMinute.keys()) if (m < delta.minute - 1) this.byMinute.delete(m);
    }
    const u = agents.get(delta.agent);
    if (u) {
      u.demand += delta.demand;
      u.consumed += delta.consumed;
    } else {
      agents.set(delta.agent, { demand: delta.demand, consumed: delta.consumed });
    }
    this.deps.store.addUsage([delta]).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not record usage'));
  }

  private bump(map: Map<string, number>, agent: string, n: number): void {
    map.set(agent, (map.get(agent) ?? 0) + n);
  }
}
