import { performance } from 'node:perf_hooks';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Histogram, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { BudgetDecision, RequestTrace, RequestTracer, TracedOutcome, TracedRequest } from '../../domain/request-trace.js';
import type { TeamOf } from '../../domain/team.js';
import { DEFAULT_MAX_MODEL_LABELS, LabelBound, sanitiseModel } from '../label-bound.js';
import * as A from './gen-ai-attributes.js';

/** The GenAI client instruments every request records into. */
export interface GenAiInstruments {
  tokenUsage: Histogram;
  operationDuration: Histogram;
}

const propagator = new W3CTraceContextPropagator();

/** A span per metered request, continuing the client's W3C trace context, plus the GenAI client metrics. */
export class OtelRequestTracer implements RequestTracer {
  /** The model names the metrics may carry (the rest are `other`). */
  private readonly models = new LabelBound(DEFAULT_MAX_MODEL_LABELS, sanitiseModel);

  constructor(
    private readonly tracer: Tracer,
    private readonly instruments: GenAiInstruments | undefined,
    private readonly teamOf: TeamOf,
  ) {}

  start(request: TracedRequest): RequestTrace {
    const carrier = { traceparent: request.traceparent, tracestate: request.tracestate };
    const parent = request.traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    const operation = A.operationName(request.route);
    // Shared by the span and the metrics (the metrics leave out the unbounded agent and team).
    const common: Attributes = {
      [A.GEN_AI_OPERATION_NAME]: operation,
      [A.GEN_AI_PROVIDER_NAME]: request.provider,
      [A.GEN_AI_SYSTEM]: request.provider,
      [A.GEN_AI_REQUEST_MODEL]: request.model,
    };
    const span = this.tracer.startSpan(
      request.model === '' ? operation : `${operation} ${request.model}`,
      {
        kind: SpanKind.CLIENT,
        startTime: request.startedAt,
        attributes: {
          ...common,
          [A.TN_AGENT]: request.agent,
          [A.TN_TEAM]: this.teamOf(request.agent),
          [A.TN_ESTIMATED_INPUT_TOKENS]: request.estimatedInputTokens,
        },
      },
      parent,
    );
    return new OtelRequestTrace(span, common, request.startedAt, this.instruments, this.models);
  }
}

class OtelRequestTrace implements RequestTrace {
  readonly traceparent: string | undefined;
  private ended = false;

  constructor(
    private readonly span: Span,
    private readonly common: Attributes,
    private readonly startedAt: number,
    private readonly instruments: GenAiInstruments | undefined,
    private readonly models: LabelBound,
  ) {
    const out: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), out, defaultTextMapSetter);
    this.traceparent = out.traceparent;
  }

  decided(decision: BudgetDecision): void {
    const { span } = this;
    const now = performance.timeOrigin + performance.now();
    if (decision.queuedMs > 0) span.addEvent(A.EVENT_QUEUED, now - decision.queuedMs);
    if (decision.admitted) {
      if (decision.queuedMs > 0) span.addEvent(A.EVENT_RELEASED, { [A.TN_QUEUED_MS]: decision.queuedMs }, now);
      if (decision.source === 'burst') span.addEvent(A.EVENT_SERVED_FROM_BURST, now);
    } else {
      span.addEvent(A.EVENT_REFUSED, { [A.TN_REFUSAL_REASON]: decision.reason, [A.TN_RETRY_AFTER_MS]: decision.retryAfterMs, [A.TN_QUEUED_MS]: decision.queuedMs }, now);
    }
    span.setAttribute(A.TN_DECISION, decisionOf(decision));
    span.setAttribute(A.TN_QUEUED_MS, decision.queuedMs);
  }

  end(outcome: TracedOutcome): void {
    if (this.ended) return;
    this.ended = true;
    const { span, common } = this;
    const attributes: Attributes = { ...common };
    if (outcome.responseModel !== undefined) attributes[A.GEN_AI_RESPONSE_MODEL] = outcome.responseModel;
    const errorType = errorTypeOf(outcome);
    if (errorType !== undefined) {
      attributes[A.ERROR_TYPE] = errorType;
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    }
    const usage = outcome.usage;
    if (usage !== undefined) {
      span.setAttributes({
        [A.GEN_AI_USAGE_INPUT_TOKENS]: usage.input,
        [A.GEN_AI_USAGE_OUTPUT_TOKENS]: usage.output,
        [A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: usage.cachedInput,
        [A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: usage.reasoning,
        [A.TN_USAGE_SOURCE]: usage.source,
      });
      if (usage.cacheCreationInput !== undefined) span.setAttribute(A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreationInput);
    }
    span.setAttributes(attributes);
    span.end(outcome.endedAt);
    const instruments = this.instruments;
    if (instruments === undefined) return;
    // Model names come from clients: on metrics (series, unlike spans) they are bounded like the Prometheus labels.
    const series: Attributes = { ...attributes, [A.GEN_AI_REQUEST_MODEL]: this.models.label(String(attributes[A.GEN_AI_REQUEST_MODEL] ?? '')) };
    if (outcome.responseModel !== undefined) series[A.GEN_AI_RESPONSE_MODEL] = this.models.label(outcome.responseModel);
    instruments.operationDuration.record(Math.max(0, outcome.endedAt - this.startedAt) / 1000, series);
    if (usage === undefined) return;
    instruments.tokenUsage.record(usage.input, { ...series, [A.GEN_AI_TOKEN_TYPE]: 'input', [A.TN_USAGE_SOURCE]: usage.source });
    instruments.tokenUsage.record(usage.output, { ...series, [A.GEN_AI_TOKEN_TYPE]: 'output', [A.TN_USAGE_SOURCE]: usage.source });
  }
}

/** `token_ninja.decision`: how admission let the request through, or that it refused it. */
function decisionOf(decision: BudgetDecision): string {
  if (!decision.admitted) return 'rejected';
  if (decision.queuedMs > 0) return 'queued';
  return decision.source;
}

/** `error.type` of a request that did not succeed: the proxy's own code, else the upstream's status, else how it ended. */
function errorTypeOf(outcome: TracedOutcome): string | undefined {
  if (outcome.errorCode !== undefined) return outcome.errorCode;
  if (outcome.status >= 400) return String(outcome.status);
  if (outcome.outcome === 'client_closed' || outcome.outcome === 'upstream_error') return outcome.outcome;
  return undefined;
}
