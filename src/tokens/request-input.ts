import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import { countAnthropicRequest } from './anthropic-input.js';
import { defaultCountCache, type CountCache } from './count-cache.js';
import {
  countChatRequest,
  countCompletionsRequest,
  countEmbeddingsRequest,
  countResponsesRequest,
  type InputCount,
} from './openai-input.js';

/** Raw (uncalibrated) input tokens of a metered request body, by route. Pure apart from the count cache. */
export function countRequestInput(route: MeteredRoute, body: JsonObject, cache: CountCache = defaultCountCache): InputCount {
  switch (route) {
    case '/v1/chat/completions':
      return countChatRequest(body, cache);
    case '/v1/completions':
      return countCompletionsRequest(body);
    case '/v1/responses':
      return countResponsesRequest(body, cache);
    case '/v1/embeddings':
      return countEmbeddingsRequest(body);
    case '/v1/messages':
      return countAnthropicRequest(body, cache);
  }
}
