import { performance } from 'node:perf_hooks';
import type { ReconciliationRecord } from '../accounting/record.js';
import type { Estimate } from '../domain/estimate.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { RequestContext } from './agent-handler.js';
import type { Admission } from './metering.js';

/** Usage to settle with, in tokens. */
export interface SettleUsage {
  input: number;
  cached: number;
  /** Of input, written to the provider's cache, where it says so (Anthropic). */
  cacheCreation?: number;
  output: number;
  reasoning: number;
  source: 'provider' | 'estimated';
}

/**
 * What one metered request is charged, owned for the request's whole life: created at admission and ended
 * in the handler's `finally`, so a throw anywhere in between cannot leak the reservation. Ends it once:
 * with the usage the reply reported (`settle`), or at `end` with the input estimate when the request was
 * dispatched upstream, or released in full (charged nothing) when nothing was.
 */
export class Settlement {
  private dispatched = false;
  private ended = false;

  constructor(
    private readonly ctx: RequestContext,
    private readonly admission: Admission,
    private readonly provider: ProviderName,
    private readonly route: MeteredRoute,
    private readonly estimate: Estimate,
  ) {}

  /** The request is handed to the upstream: from here the provider may bill it. */
  dispatch(): void {
    this.dispatched = true;
  }

  /** Charge what the upstream used (the first ending wins). */
  settle(status: number, usage: SettleUsage): void {
    if (this.ended) return;
    const record = this.record(status, usage);
    this.ended = true;
    this.ctx.info.record = record;
    this.admission.settle(record);
  }

  /** Ends the reservation if nothing did: the input estimate once dispatched, else nothing at all. */
  end(status: number): void {
    if (this.ended) return;
    if (this.dispatched) {
      this.settle(status, { input: this.estimate.inputTokens, cached: 0, output: 0, reasoning: 0, source: 'estimated' });
      return;
    }
    this.ended = true;
    this.admission.release();
  }

  private record(status: number, usage: SettleUsage): ReconciliationRecord {
    const { ctx, estimate } = this;
    return {
      agent: ctx.agent,
      task: ctx.hints.task,
      provider: this.provider,
      route: this.route,
      model: estimate.model,
      estimatedInput: estimate.inputTokens,
      estimatedOutput: estimate.outputTokens,
      actualInput: usage.input,
      cachedInput: usage.cached,
      cacheCreationInput: usage.cacheCreation,
      actualOutput: usage.output,
      reasoningOutput: usage.reasoning,
      source: usage.source,
      charged: 0,
      status,
      durationMs: performance.now() - ctx.started,
      at: ctx.deps.now(),
    };
  }
}
