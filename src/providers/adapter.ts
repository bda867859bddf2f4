/** The proxy core sees providers only through this interface (STYLE rule 5). */

import type { InputCount } from '../tokens/openai-input.js';

export type ProviderName = 'openai' | 'anthropic';

/** A JSON object as parsed from a request or response body. */
export type JsonObject = { [key: string]: unknown };

/** Metered routes, by their path after any `/agents/{id}` prefix. */
export type MeteredRoute =
  | '/v1/chat/completions'
  | '/v1/completions'
  | '/v1/responses'
  | '/v1/embeddings'
  | '/v1/messages';

/** Token usage as the provider reported it; fields the provider did not send are undefined. */
export interface UsageReport {
  /** All input tokens, cached ones included. */
  inputTokens?: number;
  /** Input tokens served from the provider's prompt cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens). */
  cachedInputTokens?: number;
  /** Anthropic cache_creation_input_tokens (already part of inputTokens as we normalise it). */
  cacheCreationInputTokens?: number;
  /** All output tokens, reasoning ones included. */
  outputTokens?: number;
  /** Reasoning tokens (part of outputTokens). */
  reasoningTokens?: number;
}

/** What admission reserves for a request before it is forwarded. */
export interface Estimate {
  model: string;
  encoding: string;
  inputTokens: number;
  outputTokens: number;
  /** Where the output figure came from. */
  outputSource: 'request' | 'recent' | 'default';
}

/** Context the estimator may use beyond the body. */
export interface EstimateContext {
  /** Recent typical output size for this agent and model, if known. */
  recentOutputTokens?: number;
  defaultOutputTokens: number;
}

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
  /** Events that could not be parsed. */
  malformedEvents(): number;
}

export interface ProviderAdapter {
  readonly provider: ProviderName;
  /** Prepare the body for upstream: e.g. inject `stream_options.include_usage` for OpenAI chat streams. Pure. */
  prepare(route: MeteredRoute, body: JsonObject): PreparedRequest;
  /** Estimate input and expected output tokens. Pure. */
  estimate(route: MeteredRoute, body: JsonObject, ctx: EstimateContext): Estimate;
  /** Usage from a complete (non-streamed) JSON response body. */
  usageFromJson(route: MeteredRoute, json: unknown): UsageReport | undefined;
  /** Output tokens counted from a complete JSON response body's content (fallback when usage is missing). */
  outputTokensFromJson(route: MeteredRoute, json: unknown, model: string): number;
  createStreamMeter(route: MeteredRoute, prepared: PreparedRequest, model: string): StreamMeter;
  /** An error body in this provider's own shape. */
  errorBody(err: ProviderErrorSpec): string;
  /**
   * The estimate from a raw input count made elsewhere (the token-count worker pool, for large bodies);
   * applies calibration and expected output exactly as estimate() does. Added by the token-accounting work.
   */
  estimateFromInput(route: MeteredRoute, body: JsonObject, ctx: EstimateContext, input: InputCount): Estimate;
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
