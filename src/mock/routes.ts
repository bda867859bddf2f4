/** Which builder answers which method and path, and in which provider's format. Pure. */
import { countTokensReply, messagesReply } from './anthropic-messages.js';
import { chatCompletionReply } from './openai-chat.js';
import { completionReply } from './openai-completions.js';
import { embeddingReply } from './openai-embeddings.js';
import { modelsReply } from './openai-models.js';
import { responseReply } from './openai-responses.js';
import type { ProviderFormat } from './provider-headers.js';
import type { BuildContext, Reply, RequestBody } from './reply.js';

export interface MockRoute {
  /** The route's path pattern, as recorded. */
  route: string;
  format: ProviderFormat;
  /** True when the body must be JSON (POST routes). */
  jsonBody: boolean;
  handle(body: RequestBody, ctx: BuildContext): Reply;
}

const POST_ROUTES: Record<string, MockRoute> = {
  '/v1/chat/completions': { route: '/v1/chat/completions', format: 'openai', jsonBody: true, handle: chatCompletionReply },
  '/v1/completions': { route: '/v1/completions', format: 'openai', jsonBody: true, handle: completionReply },
  '/v1/responses': { route: '/v1/responses', format: 'openai', jsonBody: true, handle: responseReply },
  '/v1/embeddings': { route: '/v1/embeddings', format: 'openai', jsonBody: true, handle: embeddingReply },
  '/v1/messages': { route: '/v1/messages', format: 'anthropic', jsonBody: true, handle: messagesReply },
  '/v1/messages/count_tokens': { route: '/v1/messages/count_tokens', format: 'anthropic', jsonBody: true, handle: countTokensReply },
};

/** The format errors on this path are reported in. */
export function formatOfPath(pathname: string): ProviderFormat {
  return pathname === '/v1/messages' || pathname.startsWith('/v1/messages/') ? 'anthropic' : 'openai';
}

/** The route for a request, or undefined (a 404 in the path's format). */
export function findRoute(method: string, pathname: string, models: readonly string[]): MockRoute | undefined {
  if (method === 'POST') return POST_ROUTES[pathname];
  if (method !== 'GET') return undefined;
  if (pathname === '/v1/models') {
    return { route: '/v1/models', format: 'openai', jsonBody: false, handle: (_body, ctx) => modelsReply(ctx, models) };
  }
  if (pathname.startsWith('/v1/models/')) {
    const raw = pathname.slice('/v1/models/'.length);
    let id = raw;
    try {
      id = decodeURIComponent(raw);
    } catch {
      // A malformed escape is looked up as written (and not found).
    }
    return { route: '/v1/models/{id}', format: 'openai', jsonBody: false, handle: (_body, ctx) => modelsReply(ctx, models, id) };
  }
  return undefined;
}
