import type { MeteredRoute } from './metered-route.js';
import type { ProviderName } from './provider-name.js';

/**
 * Tracing's view of metered requests (OpenTelemetry, when configured). The proxy holds one only while tracing
 * is on: when off there is no tracer, so the request path makes no trace objects at all.
 */
export interface RequestTracer {
  /** A metered request was read and estimated: opens its span, continuing the client's trace context. */
  start(request: TracedRequest): RequestTrace;
}

/** A metered request as it starts. */
export interface TracedRequest {
  provider: ProviderName;
  route: MeteredRoute;
  agent: string;
  /** The model the request asked for. */
  model: string;
  estimatedInputTokens: number;
  /** The client's W3C trace context headers, if it sent them. */
  traceparent: string | undefined;
  tracestate: string | undefined;
  /** When the request arrived, unix ms (fractional). */
  startedAt: number;
}

/** What admission decided for a traced request. */
export type BudgetDecision =
  | { admitted: true; source: 'allocation' | 'burst'; queuedMs: number }
  | { admitted: false; reason: string; queuedMs: number; retryAfterMs: number };

/** How a traced request ended. */
export interface TracedOutcome {
  status: number;
  /** The request's `outcome` label (requests_total). */
  outcome: string;
  /** The proxy's error code when it answered with an error of its own. */
  errorCode: string | undefined;
  /** The model the provider said answered. */
  responseModel: string | undefined;
  /** Usage as charged; undefined when the request never reached the upstream. */
  usage: TracedUsage | undefined;
  /** Unix ms (fractional). */
  endedAt: number;
}

/** Tokens of a settled request (cached and reasoning tokens are parts of input and output). */
export interface TracedUsage {
  input: number;
  output: number;
  cachedInput: number;
  cacheCreationInput: number | undefined;
  reasoning: number;
  /** `provider` when the provider reported the counts, `estimated` when the proxy counted. */
  source: 'provider' | 'estimated';
}

/** One request's span, from its start to the end of its response. */
export interface RequestTrace {
  /** The `traceparent` to send upstream: this request's own span, so the provider's work hangs under it. */
  readonly traceparent: string | undefined;
  /** Admission's decision, as it is made. */
  decided(decision: BudgetDecision): void;
  /** Ends the span (once). */
  end(outcome: TracedOutcome): void;
}
