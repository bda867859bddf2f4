import type { MeteredRoute } from '../../domain/metered-route.js';

/*
 * Attribute and metric names of the OpenTelemetry GenAI semantic conventions (still "development", so copied
 * here as the semantic-conventions package advises for incubating names), and Token Ninja's own.
 */
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** The older name of the provider attribute, still read by many backends: both are set. */
export const GEN_AI_SYSTEM = 'gen_ai.system';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
export const ERROR_TYPE = 'error.type';

export const METRIC_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const METRIC_OPERATION_DURATION = 'gen_ai.client.operation.duration';
/** The conventions' advised histogram buckets. */
export const TOKEN_USAGE_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
export const OPERATION_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

export const TN_AGENT = 'token_ninja.agent';
export const TN_TEAM = 'token_ninja.team';
export const TN_DECISION = 'token_ninja.decision';
export const TN_QUEUED_MS = 'token_ninja.queued_ms';
export const TN_ESTIMATED_INPUT_TOKENS = 'token_ninja.estimated_input_tokens';
/** `provider` or `estimated`: whether the token counts are the provider's or the proxy's own. */
export const TN_USAGE_SOURCE = 'token_ninja.usage_source';
export const TN_REFUSAL_REASON = 'token_ninja.refusal_reason';
export const TN_RETRY_AFTER_MS = 'token_ninja.retry_after_ms';
export const TN_TICK = 'token_ninja.tick';
export const TN_POOL = 'token_ninja.pool';
export const TN_BURST_RESERVE = 'token_ninja.burst_reserve';
export const TN_AGENTS = 'token_ninja.agents';
export const TN_AGENTS_CHANGED = 'token_ninja.agents_changed';

/** Span events of budget decisions. */
export const EVENT_QUEUED = 'token_ninja.queued';
export const EVENT_RELEASED = 'token_ninja.released';
export const EVENT_REFUSED = 'token_ninja.refused';
export const EVENT_SERVED_FROM_BURST = 'token_ninja.served_from_burst';

/** The reallocation tick's span. */
export const TICK_SPAN_NAME = 'token_ninja.reallocate';

/** `gen_ai.operation.name` of a metered route. */
export function operationName(route: MeteredRoute): string {
  switch (route) {
    case '/v1/completions':
      return 'text_completion';
    case '/v1/embeddings':
      return 'embeddings';
    case '/v1/chat/completions':
    case '/v1/responses':
    case '/v1/messages':
      return 'chat';
  }
}
