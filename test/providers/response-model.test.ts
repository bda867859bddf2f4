import { describe, expect, it } from 'vitest';
import { AnthropicStreamMeter } from '../../src/providers/anthropic/stream-meter.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream-meter.js';
import { adapterFor } from '../../src/providers/registry.js';
import { fixture, runMeter, splitAt } from './fixture-io.js';

// The model the provider says answered (gen_ai.response.model), which may differ from the one asked for.
describe('the response model', () => {
  it('OpenAI chat stream: read from the chunks, whatever the split', () => {
    const bytes = fixture('openai-chat-include-usage.sse');
    for (const injectedUsage of [true, false]) {
      const meter = new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage });
      runMeter(meter, splitAt(bytes, [7, 100, 333]));
      expect(meter.responseModel()).toBe('gpt-4o-mini-2024-07-18');
    }
  });

  it('OpenAI Responses stream: read from response.created', () => {
    const meter = new OpenAIStreamMeter({ route: '/v1/responses', model: 'gpt-4.1', injectedUsage: false });
    runMeter(meter, [fixture('openai-responses.sse')]);
    expect(meter.responseModel()).toBe('gpt-4.1-2025-04-14');
  });

  it('Anthropic stream: read from message_start', () => {
    const meter = new AnthropicStreamMeter();
    runMeter(meter, [fixture('anthropic-messages.sse')]);
    expect(meter.responseModel()).toBe('claude-sonnet-4-20250514');
  });

  it('unknown until an event names it', () => {
    expect(new AnthropicStreamMeter().responseModel()).toBeUndefined();
    expect(new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'x', injectedUsage: false }).responseModel()).toBeUndefined();
  });

  it('JSON replies: the top-level model, in both formats; nothing from a reply without one', () => {
    expect(adapterFor('openai').responseModelFromJson({ object: 'chat.completion', model: 'gpt-4o-2024-08-06', choices: [] })).toBe('gpt-4o-2024-08-06');
    expect(adapterFor('anthropic').responseModelFromJson({ type: 'message', model: 'claude-3-5-haiku-20241022', content: [] })).toBe('claude-3-5-haiku-20241022');
    expect(adapterFor('openai').responseModelFromJson({ model: 42 })).toBeUndefined();
    expect(adapterFor('anthropic').responseModelFromJson(undefined)).toBeUndefined();
    expect(adapterFor('openai').responseModelFromJson(['gpt'])).toBeUndefined();
  });
});
