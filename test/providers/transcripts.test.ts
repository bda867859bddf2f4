import { describe, expect, it } from 'vitest';
import type { StreamMeter } from '../../src/providers/adapter.js';
import { adapterFor } from '../../src/providers/registry.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream-meter.js';
import { AnthropicStreamMeter } from '../../src/providers/anthropic/stream-meter.js';
import { countText } from '../../src/tokens/encoding.js';
import { fixture, runMeter, text } from './fixture-io.js';

const openai = adapterFor('openai');

function chatMeter(injected: boolean): OpenAIStreamMeter {
  return new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: injected });
}

describe('OpenAI chat streams', () => {
  it('injected include_usage: client bytes are exactly the stream without include_usage, usage extracted', () => {
    const meter = chatMeter(true);
    const out = runMeter(meter, [fixture('openai-chat-include-usage.sse')]);
    expect(text(out)).toBe(text(fixture('openai-chat.sse')));
    expect(meter.usage()).toEqual({ inputTokens: 19, outputTokens: 17, cachedInputTokens: 0, reasoningTokens: 0 });
    expect(meter.malformedEvents()).toBe(0);
  });

  it('CRLF variant: same usage, and the client gets the CRLF stream without include_usage traces', () => {
    const meter = chatMeter(true);
    const out = runMeter(meter, [fixture('openai-chat-include-usage-crlf.sse')]);
    expect(text(out)).toBe(text(fixture('openai-chat.sse')).replaceAll('\n', '\r\n'));
    expect(meter.usage()).toEqual({ inputTokens: 19, outputTokens: 17, cachedInputTokens: 0, reasoningTokens: 0 });
  });

  it('client asked for usage itself: bytes pass through untouched (same buffer), usage extracted', () => {
    const meter = chatMeter(false);
    const input = fixture('openai-chat-include-usage.sse');
    const forwarded = meter.push(input);
    expect(forwarded).toBe(input);
    expect(meter.end().length).toBe(0);
    expect(meter.usage()).toEqual({ inputTokens: 19, outputTokens: 17, cachedInputTokens: 0, reasoningTokens: 0 });
  });

  it('missing usage (no include_usage, not injected): no usage, output counted from deltas', () => {
    const meter = chatMeter(false);
    runMeter(meter, [fixture('openai-chat.sse')]);
    expect(meter.usage()).toEqual({});
    expect(meter.streamedOutputTokens()).toBeGreaterThan(10);
  });

  it('tool-call stream: reasoning and cached tokens, arguments counted as streamed output', () => {
    const meter = new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'o4-mini', injectedUsage: true });
    const out = text(runMeter(meter, [fixture('openai-chat-tools-include-usage.sse')]));
    expect(meter.usage()).toEqual({ inputTokens: 1117, outputTokens: 215, cachedInputTokens: 1024, reasoningTokens: 192 });
    expect(out).not.toContain('"usage"');
    expect(out).toContain('"finish_reason":"tool_calls"}]}');
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(meter.streamedOutputTokens()).toBeGreaterThanOrEqual(10);
  });

  it('cut stream: no usage arrived; the output already streamed is counted', () => {
    const meter = chatMeter(true);
    const out = text(runMeter(meter, [fixture('openai-chat-cut.sse')]));
    expect(meter.usage()).toEqual({});
    // Bonjour ! Ça va ? 🙂 Say "usage":null — every delta before the cut event
    expect(meter.streamedOutputTokens()).toBeGreaterThanOrEqual(10);
    expect(out).not.toContain('"usage":null');
    expect(meter.malformedEvents()).toBe(1); // the half event at the cut
  });

  it('malformed event: counted, never thrown, usage still extracted, bytes still forwarded', () => {
    const meter = chatMeter(true);
    const out = text(runMeter(meter, [fixture('openai-chat-malformed.sse')]));
    expect(meter.malformedEvents()).toBe(1);
    expect(meter.usage()).toEqual({ inputTokens: 19, outputTokens: 17, cachedInputTokens: 0, reasoningTokens: 0 });
    expect(out.startsWith(': keep-alive\n\n')).toBe(true);
    expect(out).toContain('"object":\n\n');
  });
});

describe('OpenAI Responses stream', () => {
  it("response.completed's usage; text deltas counted; bytes untouched", () => {
    const prepared = openai.prepare('/v1/responses', { model: 'gpt-4.1', input: 'hi', stream: true });
    expect(prepared.injectedUsage).toBe(false);
    const meter = openai.createStreamMeter('/v1/responses', prepared, 'gpt-4.1');
    const input = fixture('openai-responses.sse');
    expect(runMeter(meter, [input])).toEqual(Buffer.from(input));
    expect(meter.usage()).toEqual({ inputTokens: 37, outputTokens: 11, cachedInputTokens: 0, reasoningTokens: 0 });
    expect(meter.streamedOutputTokens()).toBe(9); // "Hi! How can I help you today?"
  });
});

describe('Anthropic stream', () => {
  it('message_start input (with cache creation/read) survives a partial message_delta; output is SET', () => {
    const meter = new AnthropicStreamMeter();
    const input = fixture('anthropic-messages.sse');
    expect(meter.push(input)).toBe(input);
    meter.end();
    expect(meter.usage()).toEqual({ inputTokens: 2572, cachedInputTokens: 2000, cacheCreationInputTokens: 100, outputTokens: 89 });
    expect(meter.malformedEvents()).toBe(0);
    expect(meter.streamedOutputTokens()).toBeGreaterThan(10);
  });

  it('message_delta carrying cumulative input fields sets them (never adds)', () => {
    const meter = new AnthropicStreamMeter();
    const ev = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const s =
      ev('message_start', { message: { usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } } }) +
      ev('message_delta', { usage: { output_tokens: 40 } }) +
      ev('message_delta', { usage: { input_tokens: 12, cache_creation_input_tokens: 3, cache_read_input_tokens: 5, output_tokens: 50 } });
    runMeter(meter, [Buffer.from(s)]);
    expect(meter.usage()).toEqual({ inputTokens: 20, cachedInputTokens: 5, cacheCreationInputTokens: 3, outputTokens: 50 });
  });

  it('message_start\'s cache_creation TTL split survives message_deltas that lack it', () => {
    const meter = new AnthropicStreamMeter();
    const ev = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const usage = { input_tokens: 10, cache_creation_input_tokens: 30, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 }, output_tokens: 1 };
    const s = ev('message_start', { message: { usage } }) + ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } });
    runMeter(meter, [Buffer.from(s)]);
    expect(meter.usage()).toEqual({ inputTokens: 40, cacheCreationInputTokens: 30, cacheCreation5mInputTokens: 10, cacheCreation1hInputTokens: 20, outputTokens: 40 });
  });

  it('cut stream: input from message_start, initial output, and streamed text counted', () => {
    const meter = new AnthropicStreamMeter();
    runMeter(meter, [fixture('anthropic-cut.sse')]);
    expect(meter.usage()).toEqual({ inputTokens: 2572, cachedInputTokens: 2000, cacheCreationInputTokens: 100, outputTokens: 2 });
    // "Okay, let me check" (the cut event is incomplete JSON and counted as malformed)
    expect(meter.streamedOutputTokens()).toBe(countText('Okay, let me check', 'o200k_base'));
    expect(meter.malformedEvents()).toBe(1);
  });
});

describe('completion: only the provider’s own end-of-stream event completes a stream', () => {
  const sse = (events: Array<[string | undefined, object | string]>): Buffer =>
    Buffer.from(events.map(([name, data]) => `${name ? `event: ${name}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`).join(''));

  it('recorded transcripts: complete ones are, cut ones are not', () => {
    const cases: Array<[string, () => StreamMeter, boolean]> = [
      ['openai-chat-include-usage.sse', () => chatMeter(true), true],
      ['openai-chat.sse', () => chatMeter(false), true],
      ['openai-chat-cut.sse', () => chatMeter(true), false],
      ['openai-responses.sse', () => new OpenAIStreamMeter({ route: '/v1/responses', model: 'gpt-4.1', injectedUsage: false }), true],
      ['anthropic-messages.sse', () => new AnthropicStreamMeter(), true],
      ['anthropic-cut.sse', () => new AnthropicStreamMeter(), false],
    ];
    for (const [name, make, complete] of cases) {
      const meter = make();
      meter.push(fixture(name));
      meter.end();
      expect(meter.completed(), name).toBe(complete);
    }
  });

  it('Anthropic: an error event after message_start leaves it incomplete, with message_start’s placeholder output', () => {
    const meter = new AnthropicStreamMeter();
    runMeter(meter, [
      sse([
        ['message_start', { type: 'message_start', message: { usage: { input_tokens: 30, output_tokens: 1 } } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello there' } }],
        ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
      ]),
    ]);
    expect(meter.completed()).toBe(false);
    expect(meter.usage()).toEqual({ inputTokens: 30, outputTokens: 1 });
    expect(meter.streamedOutputTokens()).toBe(countText('Hello there', 'o200k_base'));
  });

  it('Anthropic: message_stop, or a message_delta with its stop_reason, completes it', () => {
    const start: [string, object] = ['message_start', { type: 'message_start', message: { usage: { input_tokens: 30, output_tokens: 1 } } }];
    const withStop = new AnthropicStreamMeter();
    runMeter(withStop, [sse([start, ['message_delta', { type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 5 } }]])]);
    expect(withStop.completed()).toBe(false);
    withStop.push(sse([['message_stop', { type: 'message_stop' }]]));
    expect(withStop.completed()).toBe(true);

    const finalDelta = new AnthropicStreamMeter();
    runMeter(finalDelta, [sse([start, ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } }]])]);
    expect(finalDelta.completed()).toBe(true);
    expect(finalDelta.usage()).toEqual({ inputTokens: 30, outputTokens: 7 });
  });

  it('OpenAI chat: [DONE] or the usage-only chunk completes it; a usage member on a choice chunk does not', () => {
    const chunk = (choices: object[], usage: object | null) => ({ id: 'c', object: 'chat.completion.chunk', choices, usage });
    const usage = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 };
    const delta = { index: 0, delta: { content: 'Hi' }, finish_reason: null };

    const cutBeforeDone = chatMeter(true);
    runMeter(cutBeforeDone, [sse([[undefined, chunk([delta], null)], [undefined, chunk([], usage)]])]);
    expect(cutBeforeDone.completed()).toBe(true);
    expect(cutBeforeDone.usage()).toMatchObject({ inputTokens: 9, outputTokens: 3 });

    const partial = chatMeter(false);
    runMeter(partial, [sse([[undefined, chunk([delta], usage)]])]);
    expect(partial.completed()).toBe(false);

    const noUsage = chatMeter(false);
    runMeter(noUsage, [sse([[undefined, chunk([delta], null)], [undefined, '[DONE]']])]);
    expect(noUsage.completed()).toBe(true);

    const errored = chatMeter(true);
    runMeter(errored, [sse([[undefined, chunk([delta], null)], [undefined, { error: { message: 'boom', type: 'server_error' } }]])]);
    expect(errored.completed()).toBe(false);
  });

  it('Responses: completed and incomplete finish the stream; failed and error do not (usage still read)', () => {
    const usage = { input_tokens: 20, output_tokens: 4, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } };
    const finish = (type: string, u: object | null) => {
      const meter = new OpenAIStreamMeter({ route: '/v1/responses', model: 'gpt-4.1', injectedUsage: false });
      runMeter(meter, [
        sse([
          ['response.created', { type: 'response.created', response: { status: 'in_progress', usage: null } }],
          ['response.output_text.delta', { type: 'response.output_text.delta', delta: 'Hi there' }],
          [type, type === 'error' ? { type, code: 'server_error', message: 'boom' } : { type, response: { status: type.slice(9), usage: u } }],
        ]),
      ]);
      return meter;
    };
    expect(finish('response.completed', usage).completed()).toBe(true);
    expect(finish('response.incomplete', usage).completed()).toBe(true);
    const failed = finish('response.failed', usage);
    expect(failed.completed()).toBe(false);
    expect(failed.usage()).toMatchObject({ inputTokens: 20, outputTokens: 4 });
    expect(finish('response.failed', null).usage()).toEqual({});
    expect(finish('error', null).completed()).toBe(false);
  });
});
