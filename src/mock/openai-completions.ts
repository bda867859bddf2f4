/** POST /v1/completions (legacy text completions): JSON or SSE. Pure. */
import { maxOutputTokens, planGeneration } from './generation.js';
import { chatUsage } from './openai-usage.js';
import { promptTokens } from './prompt-tokens.js';
import { JSON_TYPE, SSE_TYPE, providerHeaders } from './provider-headers.js';
import type { BuildContext, Reply, RequestBody, SseEvent } from './reply.js';
import { includeUsage, modelOf, wantsStream } from './request-fields.js';
import { DONE_EVENT, dataEvent } from './sse.js';

export function completionReply(body: RequestBody, ctx: BuildContext): Reply {
  const model = modelOf(body, 'gpt-3.5-turbo-instruct');
  const prompt = promptTokens('/v1/completions', body, ctx.countTokens);
  // The legacy endpoint defaults max_tokens to 16.
  const gen = planGeneration(ctx.behaviour, maxOutputTokens(body) ?? 16);
  const full = chatUsage(prompt, ctx.behaviour.cachedTokens, gen);
  const usage = { prompt_tokens: full.prompt_tokens, completion_tokens: full.completion_tokens, total_tokens: full.total_tokens };
  const id = ctx.id('cmpl-');
  const created = Math.floor(ctx.nowMs / 1000);
  const finishReason = gen.truncated ? 'length' : 'stop';
  const requestId = ctx.id('req_');

  if (!wantsStream(body)) {
    const json = {
      id,
      object: 'text_completion',
      created,
      model,
      choices: [{ text: gen.text, index: 0, logprobs: null, finish_reason: finishReason }],
      usage,
    };
    const headers = providerHeaders('openai', JSON_TYPE, requestId, ctx.behaviour, ctx.nowMs, usage.total_tokens);
    return { kind: 'json', status: 200, headers, body: JSON.stringify(json, null, 2) };
  }

  const withUsage = includeUsage(body);
  const chunk = (choices: unknown[]) =>
    withUsage
      ? { id, object: 'text_completion', created, choices, model, usage: null }
      : { id, object: 'text_completion', created, choices, model };
  const events: SseEvent[] = [];
  for (const text of gen.chunks) {
    events.push(dataEvent(chunk([{ text, index: 0, logprobs: null, finish_reason: null }]), true));
  }
  events.push(dataEvent(chunk([{ text: '', index: 0, logprobs: null, finish_reason: finishReason }])));
  if (withUsage) events.push(dataEvent({ id, object: 'text_completion', created, choices: [], model, usage }));
  events.push(DONE_EVENT);
  const headers = providerHeaders('openai', SSE_TYPE, requestId, ctx.behaviour, ctx.nowMs, usage.total_tokens);
  return { kind: 'sse', status: 200, headers, events };
}
