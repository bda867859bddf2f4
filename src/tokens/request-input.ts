import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import { countAnthropicRequest } from './anthropic-input.js';
import { defaultCountCache } from './count-cache.js';
import {
  countChatRequest,
  countCompletionsRequest,
  countEmbeddingsRequest,
  countResponsesRequest,
  type InputCount,
} from './openai-input.js';
import type { PieceCounter } from './piece-counter.js';

/** Raw (uncalibrated) input tokens of a metered request body, by route. Pure apart from the counter's caches. */
export function countRequestInput(route: MeteredRoute, body: JsonObject, counter: PieceCounter = defaultCountCache): InputCount {
  switch (route) {
    case '/v1/chat/completions':
      return countChatRequest(body, counter);
    case '/v1/completions':
      return countCompletionsRequest(body, counter);
    case '/v1/responses':
      return countResponsesRequest(body, counter);
    case '/v1/embeddings':
      return countEmbeddingsRequest(body, counter);
    case '/v1/messages':
      return countAnthropicRequest(body, counter);
  }
}
