/** The proxy core sees providers only through this interface (STYLE rule 5). */

import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { UsageReport } from '../domain/usage-report.js';
import type { Estimator } from '../tokens/estimator.js';

/** The request body after the adapter prepared it for the upstream. */
export interface PreparedRequest {
  body: JsonObject;
  /** True when the proxy asked the upstream for usage the client did not ask for (stream_options.include_usage). */
  injectedUsage: boolean;
  stream: boolean;
}

/**
 * A per-response streaming meter: fed upstream SSE bytes, returns the bytes the client must see
 * (identical to what the provider would have sent the client directly) and accumulates usage.
 */
export interface StreamMeter {
  /** Feed one upstream chunk; returns bytes to forward (may be empty while an event is incomplete). */
  push(chunk: Uint8Array): Uint8Array;
  /** The upstream ended; returns any remaining bytes to forward. */
  end(): Uint8Array;
  /** Usage seen so far (set, not added, where the provider sends cumulative counts). */
  usage(): UsageReport;
  /**
   * True once the provider said the stream is complete (its own end-of-stream event arrived): only then is
   * `usage()` the provider's final word. A stream that ends without it was cut, however cleanly it closed.
   */
  completed(): boolean;
  /** Output tokens counted from content already streamed (used when the provider's usage never arrives). */
  streamedOutputTokens(): number;
  /** The model the provider said answered, once an event named it. */
  responseModel(): string | undefined;
  /** Events that could not be parsed. */
  malformedEvents(): number;
}

/** A provider format's adapter; its estimating half (`estimate`, `estimateFromInput`) is `Estimator`. */
export interface ProviderAdapter extends Estimator {
  readonly provider: ProviderName;
  /** Prepare the body for upstream: e.g. inject `stream_options.include_usage` for OpenAI chat streams. Pure. */
  prepare(route: MeteredRoute, body: JsonObject): PreparedRequest;
  /** Usage from a complete (non-streamed) JSON response body. */
  usageFromJson(route: MeteredRoute, json: unknown): UsageReport | undefined;
  /** The model a complete JSON response body says answered. */
  responseModelFromJson(json: unknown): string | undefined;
  /** Output tokens counted from a complete JSON response body's content (fallback when usage is missing). */
  outputTokensFromJson(route: MeteredRoute, json: unknown, model: string): number;
  createStreamMeter(route: MeteredRoute, prepared: PreparedRequest, model: string): StreamMeter;
  /** An error body in this provider's own shape. */
  errorBody(err: ProviderErrorSpec): string;
  /** Learn from a reconciled request (e.g. Anthropic's per-model calibration factor). */
  observe?(model: string, estimatedInput: number, actualInput: number): void;
}

/** Provider-neutral description of an error the proxy answers itself. */
export interface ProviderErrorSpec {
  status: number;
  /** Stable Token Ninja code, e.g. `token_budget_exceeded`, `upstream_unreachable`. */
  code: string;
  message: string;
}
