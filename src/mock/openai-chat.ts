/** POST /v1/chat/completions: JSON, or SSE with OpenAI's exact chunk sequence. Pure. */
import { maxOutputTokens, planGeneration } from './generation.js';
import { chatUsage } from './openai-usage.js';
import { promptTokens } from './prompt-tokens.js';
import { JSON_TYPE, SSE_TYPE, providerHeaders } from './provider-headers.js';
import type { BuildContext, Reply, RequestBody, SseEvent } from './reply.js';
import { includeUsage, modelOf, wantsStream } from './request-fields.js';
import { DONE_EVENT, dataEvent } from './sse.js';

const FINGERPRINT = 'fp_mock00000';

export function chatCompletionReply(body: RequestBody, ctx: BuildContext): Reply {
  const model = modelOf(body, 'gpt-4o-mini');
  const prompt = promptTokens('/v1/chat/completions', body, ctx.countTokens);
  const gen = planGeneration(ctx.behaviour, maxOutputTokens(body));
  const usage = chatUsage(prompt, ctx.behaviour.cachedTokens, gen);
  const id = ctx.id('chatcmpl-');
  const created = Math.floor(ctx.nowMs / 1000);
  const finishReason = gen.truncated ? 'length' : 'stop';
  const requestId = ctx.id('req_');

  if (!wantsStream(body)) {
    const json = {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: gen.text, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
    };
    const headers = providerHeaders('openai', JSON_TYPE, requestId, ctx.behaviour, ctx.nowMs, usage.total_tokens);
    // The API pretty-prints non-streamed bodies with two spaces.
    return { kind: 'json', status: 200, headers, body: JSON.stringify(json, null, 2) };
  }

  const withUsage = includeUsage(body);
  // Exactly like OpenAI: with include_usage every chunk carries "usage":null, without it no usage member at all.
  const chunk = (choices: unknown[]) =>
    withUsage
      ? { id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: FINGERPRINT, choices, usage: null }
      : { id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: FINGERPRINT, choices };
  const events: SseEvent[] = [
    dataEvent(chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])),
  ];
  for (const text of gen.chunks) {
    events.push(dataEvent(chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]), true));
  }
  events.push(dataEvent(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }])));
  if (withUsage) {
    events.push(
      dataEvent({ id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: FINGERPRINT, choices: [], usage }),
    );
  }
  events.push(DONE_EVENT);
  const headers = providerHeaders('openai', SSE_TYPE, requestId, ctx.behaviour, ctx.nowMs, usage.total_tokens);
  return { kind: 'sse', status: 200, headers, events };
}
