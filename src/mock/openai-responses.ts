/** POST /v1/responses: JSON, or SSE from response.created to response.completed (which carries usage). Pure. */
import { maxOutputTokens, planGeneration } from './generation.js';
import { responsesUsage } from './openai-usage.js';
import { promptTokens } from './prompt-tokens.js';
import { JSON_TYPE, SSE_TYPE, providerHeaders } from './provider-headers.js';
import type { BuildContext, Reply, RequestBody, SseEvent } from './reply.js';
import { modelOf, wantsStream } from './request-fields.js';
import { namedEvent } from './sse.js';

type Usage = ReturnType<typeof responsesUsage>;

function outputText(text: string) {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

function messageItem(id: string, status: string, content: unknown[]) {
  return { id, type: 'message', status, content, role: 'assistant' };
}

/** The response object in the API's field order. */
function responseObject(
  body: RequestBody,
  id: string,
  createdAt: number,
  model: string,
  status: string,
  output: unknown[],
  usage: Usage | null,
  truncated: boolean,
) {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: truncated && status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    store: body.store !== false,
    temperature: typeof body.temperature === 'number' ? body.temperature : 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: typeof body.top_p === 'number' ? body.top_p : 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: {},
  };
}

export function responseReply(body: RequestBody, ctx: BuildContext): Reply {
  const model = modelOf(body, 'gpt-4o-mini');
  const prompt = promptTokens('/v1/responses', body, ctx.countTokens);
  const gen = planGeneration(ctx.behaviour, maxOutputTokens(body));
  const usage = responsesUsage(prompt, ctx.behaviour.cachedTokens, gen);
  const id = ctx.id('resp_');
  const itemId = ctx.id('msg_');
  const createdAt = Math.floor(ctx.nowMs / 1000);
  const finalStatus = gen.truncated ? 'incomplete' : 'completed';
  const requestId = ctx.id('req_');
  const done = messageItem(itemId, finalStatus, [outputText(gen.text)]);

  if (!wantsStream(body)) {
    const json = responseObject(body, id, createdAt, model, finalStatus, [done], usage, gen.truncated);
    const headers = providerHeaders('openai', JSON_TYPE, requestId, ctx.behaviour, ctx.nowMs, usage.total_tokens);
    return { kind: 'json', status: 200, headers, body: JSON.stringify(json, null, 2) };
  }

  let seq = 0;
  const events: SseEvent[] = [];
  const push = (type: string, fields: Record<string, unknown>, content = false) => {
    events.push(namedEvent(type, { type, sequence_number: seq++, ...fields }, content));
  };
  const pending = responseObject(body, id, createdAt, model, 'in_progress', [], null, false);
  push('response.created', { response: pending });
  push('response.in_progress', { response: pending });
  push('response.output_item.added', { output_index: 0, item: messageItem(itemId, 'in_progress', []) });
  push('response.content_part.added', { item_id: itemId, output_index: 0, content_index: 0, part: outputText('') });
  for (const delta of gen.chunks) {
    push('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta, logprobs: [] }, true);
  }
  push('response.output_text.done', { item_id: itemId, output_index: 0, content_index: 0, text: gen.text, logprobs: [] });
  push('response.content_part.done', { item_id: itemId, output_index: 0, content_index: 0, part: outputText(gen.text) });
  push('response.output_item.done', { output_index: 0, item: done });
  const finalEvent = gen.truncated ? 'response.incomplete' : 'response.completed';
  push(finalEvent, { response: responseObject(body, id, createdAt, model, finalStatus, [done], usage, gen.truncated) });
  const headers = providerHeaders('openai', SSE_TYPE, requestId, ctx.behaviour, ctx.nowMs, usage.total_tokens);
  return { kind: 'sse', status: 200, headers, events };
}
