/** GET /v1/models and /v1/models/{id}. Pure. */
import { errorReply } from './error-replies.js';
import { JSON_TYPE, providerHeaders } from './provider-headers.js';
import type { BuildContext, Reply } from './reply.js';

/** Models the mock lists. Any model name is accepted on the other routes. */
export const MOCK_MODELS: readonly string[] = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'o3-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct'];

const CREATED = 1_700_000_000;

function model(id: string) {
  return { id, object: 'model', created: CREATED, owned_by: 'system' };
}

export function modelsReply(ctx: BuildContext, models: readonly string[], id?: string): Reply {
  const requestId = ctx.id('req_');
  if (id !== undefined) {
    if (!models.includes(id)) {
      return errorReply('openai', 404, requestId, ctx.behaviour, ctx.nowMs, `The model '${id}' does not exist`);
    }
    return { kind: 'json', status: 200, headers: providerHeaders('openai', JSON_TYPE, requestId, ctx.behaviour, ctx.nowMs), body: JSON.stringify(model(id), null, 2) };
  }
  const json = { object: 'list', data: models.map(model) };
  return { kind: 'json', status: 200, headers: providerHeaders('openai', JSON_TYPE, requestId, ctx.behaviour, ctx.nowMs), body: JSON.stringify(json, null, 2) };
}
