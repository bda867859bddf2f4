import type { Estimate, EstimateContext } from '../../domain/estimate.js';
import type { JsonObject } from '../../domain/json.js';
import type { MeteredRoute } from '../../domain/metered-route.js';
import type { PreparedRequest, ProviderAdapter, ProviderErrorSpec, StreamMeter } from '../adapter.js';
import type { UsageReport } from '../../domain/usage-report.js';
import { countText, encodingForModel } from '../../tokens/encoding.js';
import { expectedOutput } from '../../tokens/expected-output.js';
import type { InputCount } from '../../tokens/openai-input.js';
import { countRequestInput } from '../../tokens/request-input.js';
import { responseModelOf } from '../response-model.js';
import { openAIErrorBody } from './error-body.js';
import { openAIOutputTexts } from './output-text.js';
import { OpenAIStreamMeter } from './stream-meter.js';
import { openAIUsage } from './usage.js';

/** Request fields that cap output, by route, in the order OpenAI honours them. */
const OUTPUT_LIMIT_FIELDS: Record<string, readonly string[]> = {
  '/v1/chat/completions': ['max_completion_tokens', 'max_tokens'],
  '/v1/completions': ['max_tokens'],
  '/v1/responses': ['max_output_tokens'],
};

/** Routes whose streams carry usage only when asked with stream_options.include_usage. */
const USAGE_OPT_IN_ROUTES = new Set<MeteredRoute>(['/v1/chat/completions', '/v1/completions']);

/** The OpenAI-format adapter: chat/completions, completions, responses, embeddings. */
export class OpenAIAdapter implements ProviderAdapter {
  readonly provider = 'openai' as const;

  prepare(route: MeteredRoute, body: JsonObject): PreparedRequest {
    const stream = body.stream === true;
    if (!stream || !USAGE_OPT_IN_ROUTES.has(route)) return { body, injectedUsage: false, stream };
    const opts = body.stream_options;
    const existing = typeof opts === 'object' && opts !== null && !Array.isArray(opts) ? (opts as JsonObject) : {};
    if (existing.include_usage === true) return { body, injectedUsage: false, stream };
    return { body: { ...body, stream_options: { ...existing, include_usage: true } }, injectedUsage: true, stream };
  }

  estimate(route: MeteredRoute, body: JsonObject, ctx: EstimateContext): Estimate {
    return this.estimateFromInput(route, body, ctx, countRequestInput(route, body));
  }

  /** The estimate from an input count made elsewhere (the worker pool, for large bodies). */
  estimateFromInput(route: MeteredRoute, body: JsonObject, ctx: EstimateContext, input: InputCount): Estimate {
    const base = { model: input.model, encoding: input.encoding, inputTokens: input.inputTokens };
    if (route === '/v1/embeddings') return { ...base, outputTokens: 0, outputSource: 'request' };
    return { ...base, ...expectedOutput(body, OUTPUT_LIMIT_FIELDS[route] ?? [], ctx) };
  }

  usageFromJson(_route: MeteredRoute, json: unknown): UsageReport | undefined {
    if (typeof json !== 'object' || json === null) return undefined;
    return openAIUsage((json as JsonObject).usage);
  }

  responseModelFromJson(json: unknown): string | undefined {
    return responseModelOf(json);
  }

  outputTokensFromJson(route: MeteredRoute, json: unknown, model: string): number {
    if (route === '/v1/embeddings') return 0;
    const enc = encodingForModel(model);
    return openAIOutputTexts(route, json).reduce((sum, t) => sum + countText(t, enc), 0);
  }

  createStreamMeter(route: MeteredRoute, prepared: PreparedRequest, model: string): StreamMeter {
    return new OpenAIStreamMeter({ route, model, injectedUsage: prepared.injectedUsage });
  }

  errorBody(err: ProviderErrorSpec): string {
    return openAIErrorBody(err);
  }
}
