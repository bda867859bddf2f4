import type { Estimate, EstimateContext } from '../../domain/estimate.js';
import type { JsonObject } from '../../domain/json.js';
import type { MeteredRoute } from '../../domain/metered-route.js';
import type { PreparedRequest, ProviderAdapter, ProviderErrorSpec, StreamMeter } from '../adapter.js';
import type { UsageReport } from '../../domain/usage-report.js';
import { ANTHROPIC_ENCODING, countText } from '../../tokens/encoding.js';
import { expectedOutput } from '../../tokens/expected-output.js';
import type { InputCount } from '../../tokens/openai-input.js';
import { countRequestInput } from '../../tokens/request-input.js';
import { responseModelOf } from '../response-model.js';
import { Calibration, type CalibrationOptions } from './calibration.js';
import { anthropicErrorBody } from './error-body.js';
import { anthropicOutputTexts } from './output-text.js';
import { AnthropicStreamMeter } from './stream-meter.js';
import { anthropicUsageFromJson } from './usage.js';

/** The Anthropic-format adapter (`/v1/messages`), with a per-model calibration factor learned via observe(). */
export class AnthropicAdapter implements ProviderAdapter {
  readonly provider = 'anthropic' as const;
  readonly calibration: Calibration;

  constructor(opts: { calibration?: CalibrationOptions } = {}) {
    this.calibration = new Calibration(opts.calibration);
  }

  prepare(_route: MeteredRoute, body: JsonObject): PreparedRequest {
    // Anthropic streams always carry usage: nothing to inject.
    return { body, injectedUsage: false, stream: body.stream === true };
  }

  estimate(route: MeteredRoute, body: JsonObject, ctx: EstimateContext): Estimate {
    return this.estimateFromInput(route, body, ctx, countRequestInput('/v1/messages', body));
  }

  /** The estimate from a raw (uncalibrated) input count made elsewhere (the worker pool, for large bodies). */
  estimateFromInput(_route: MeteredRoute, body: JsonObject, ctx: EstimateContext, input: InputCount): Estimate {
    const inputTokens = Math.ceil(input.inputTokens * this.calibration.factor(input.model));
    return { model: input.model, encoding: input.encoding, inputTokens, ...expectedOutput(body, ['max_tokens'], ctx) };
  }

  observe(model: string, estimatedInput: number, actualInput: number): void {
    this.calibration.observe(model, estimatedInput, actualInput);
  }

  usageFromJson(_route: MeteredRoute, json: unknown): UsageReport | undefined {
    return anthropicUsageFromJson(json);
  }

  responseModelFromJson(json: unknown): string | undefined {
    return responseModelOf(json);
  }

  outputTokensFromJson(_route: MeteredRoute, json: unknown, _model: string): number {
    return anthropicOutputTexts(json).reduce((sum, t) => sum + countText(t, ANTHROPIC_ENCODING), 0);
  }

  createStreamMeter(_route: MeteredRoute, _prepared: PreparedRequest, _model: string): StreamMeter {
    return new AnthropicStreamMeter();
  }

  errorBody(err: ProviderErrorSpec): string {
    return anthropicErrorBody(err);
  }
}
