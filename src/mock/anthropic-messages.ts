/** POST /v1/messages (JSON or SSE, Anthropic's event sequence) and /v1/messages/count_tokens. Pure. */
import { errorReply } from './error-replies.js';
import { maxOutputTokens, planGeneration } from './generation.js';
import { promptTokens } from './prompt-tokens.js';
import { JSON_TYPE, SSE_TYPE, providerHeaders } from './provider-headers.js';
import type { BuildContext, Reply, RequestBody, SseEvent } from './reply.js';
import { modelOf } from './request-fields.js';
import { namedEvent } from './sse.js';

function usage(input: number, cacheCreation: number, cacheRead: number, output: number) {
  return {
    input_tokens: input,
    cache_creation_input_tokens: cacheCreation,
    cache_read_input_tokens: cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: cacheCreation, ephemeral_1h_input_tokens: 0 },
    output_tokens: output,
    service_tier: 'standard',
  };
}

export function messagesReply(body: RequestBody, ctx: BuildContext): Reply {
  const requestId = ctx.id('req_');
  const max = maxOutputTokens(body);
  // The real API requires max_tokens.
  if (max === undefined) return errorReply('anthropic', 400, requestId, ctx.behaviour, ctx.nowMs, 'max_tokens: Field required');
  const model = modelOf(body, 'claude-sonnet-4-5');
  const prompt = promptTokens('/v1/messages', body, ctx.countTokens);
  // Anthropic's input_tokens excludes cache reads and writes.
  const cacheRead = Math.min(ctx.behaviour.cachedTokens, prompt);
  const cacheCreation = Math.min(ctx.behaviour.cacheCreationTokens, prompt - cacheRead);
  const input = prompt - cacheRead - cacheCreation;
  const gen = planGeneration(ctx.behaviour, max);
  const id = ctx.id('msg_');
  const stopReason = gen.truncated ? 'max_tokens' : 'end_turn';

  if (body.stream !== true) {
    const json = {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: gen.text }],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: usage(input, cacheCreation, cacheRead, gen.outputTokens),
    };
    const headers = providerHeaders('anthropic', JSON_TYPE, requestId, ctx.behaviour, ctx.nowMs, prompt + gen.outputTokens);
    return { kind: 'json', status: 200, headers, body: JSON.stringify(json) };
  }

  const events: SseEvent[] = [
    namedEvent('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: usage(input, cacheCreation, cacheRead, 1) },
    }),
    namedEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    // The real API sends its ping with a space after the colon.
    { text: 'event: ping\ndata: {"type": "ping"}\n\n', content: false },
  ];
  for (const text of gen.chunks) {
    events.push(namedEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, true));
  }
  events.push(namedEvent('content_block_stop', { type: 'content_block_stop', index: 0 }));
  events.push(
    namedEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: gen.outputTokens },
    }),
  );
  events.push(namedEvent('message_stop', { type: 'message_stop' }));
  const headers = providerHeaders('anthropic', SSE_TYPE, requestId, ctx.behaviour, ctx.nowMs, prompt + gen.outputTokens);
  return { kind: 'sse', status: 200, headers, events };
}

export function countTokensReply(body: RequestBody, ctx: BuildContext): Reply {
  const prompt = promptTokens('/v1/messages/count_tokens', body, ctx.countTokens);
  const headers = providerHeaders('anthropic', JSON_TYPE, ctx.id('req_'), ctx.behaviour, ctx.nowMs);
  return { kind: 'json', status: 200, headers, body: JSON.stringify({ input_tokens: prompt }) };
}
