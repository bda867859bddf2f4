import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';

/** Sets a request's output limit to `n` in the field its API uses (for the optional max-tokens clamp). */
export function withMaxOutput(route: MeteredRoute, body: JsonObject, n: number): JsonObject {
  switch (route) {
    case '/v1/chat/completions':
      // Newer models reject max_tokens; keep whichever field the client used.
      return 'max_tokens' in body && !('max_completion_tokens' in body) ? { ...body, max_tokens: n } : { ...body, max_completion_tokens: n };
    case '/v1/completions':
    case '/v1/messages':
      return { ...body, max_tokens: n };
    case '/v1/responses':
      return { ...body, max_output_tokens: n };
    case '/v1/embeddings':
      return body;
  }
}
