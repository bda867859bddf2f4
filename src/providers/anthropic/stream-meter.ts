import type { StreamMeter } from '../adapter.js';
import type { UsageReport } from '../../domain/usage-report.js';
import { EMPTY_BYTES, parseEventJson } from '../sse/event-json.js';
import { SseParser, type SseItem } from '../sse/parser.js';
import { ANTHROPIC_ENCODING } from '../../tokens/encoding.js';
import { StreamedText } from '../../tokens/streamed-text.js';
import { responseModelOf } from '../response-model.js';
import { contentBlockDeltaText } from './text-delta.js';
import { normaliseAnthropicUsage, setAnthropicUsage, type AnthropicUsageFields } from './usage.js';

/**
 * Meters an Anthropic `/v1/messages` stream. Bytes pass through untouched (zero-copy). Usage: message_start
 * gives input (with cache creation/read) and initial output; each message_delta's usage is cumulative, so the
 * fields it carries are SET, and the ones it lacks keep their message_start values. Complete at `message_stop`,
 * or at a `message_delta` with a `stop_reason` (the final counts); message_start's output count is a placeholder,
 * so a stream that ends before either (an `error` event such as overloaded_error, a cut) is not complete.
 */
export class AnthropicStreamMeter implements StreamMeter {
  // Bytes pass through as received: the parser need not copy them into its events.
  private readonly parser = new SseParser({ keepRaw: false });
  private readonly text = new StreamedText(ANTHROPIC_ENCODING);
  private readonly fields: AnthropicUsageFields = {};
  private malformed = 0;
  private done = false;
  private model: string | undefined;

  push(chunk: Uint8Array): Uint8Array {
    this.read(this.parser.push(chunk));
    return chunk;
  }

  end(): Uint8Array {
    this.read(this.parser.end());
    return EMPTY_BYTES;
  }

  usage(): UsageReport {
    return normaliseAnthropicUsage(this.fields);
  }

  completed(): boolean {
    return this.done;
  }

  streamedOutputTokens(): number {
    return this.text.tokens();
  }

  responseModel(): string | undefined {
    return this.model;
  }

  malformedEvents(): number {
    return this.malformed + this.parser.oversizedEvents();
  }

  private read(items: SseItem[]): void {
    for (const item of items) {
      if (item.kind !== 'event' || item.data === undefined) continue;
      // Most events are one text delta: read it without parsing the event.
      const delta = contentBlockDeltaText(item.data);
      if (delta !== undefined) {
        this.text.add(delta);
        continue;
      }
      const raw = parseEventJson(item.data);
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        this.malformed++;
        continue;
      }
      const ev = raw as Record<string, unknown>;
      const type = typeof ev.type === 'string' ? ev.type : item.event;
      if (type === 'message_start') {
        const message = ev.message;
        if (typeof message === 'object' && message !== null) setAnthropicUsage(this.fields, (message as Record<string, unknown>).usage);
        this.model = responseModelOf(message);
      } else if (type === 'message_delta') {
        setAnthropicUsage(this.fields, ev.usage);
        const delta = ev.delta;
        if (typeof delta === 'object' && delta !== null && typeof (delta as Record<string, unknown>).stop_reason === 'string') this.done = true;
      } else if (type === 'message_stop') {
        this.done = true;
      } else if (type === 'content_block_delta') {
        const d = ev.delta;
        if (typeof d !== 'object' || d === null) continue;
        const delta = d as Record<string, unknown>;
        for (const key of ['text', 'partial_json', 'thinking'] as const) {
          const v = delta[key];
          if (typeof v === 'string') this.text.add(v);
        }
      } else if (type === 'content_block_start') {
        const b = ev.content_block;
        if (typeof b === 'object' && b !== null) {
          const block = b as Record<string, unknown>;
          if (typeof block.name === 'string') this.text.add(block.name);
          if (typeof block.text === 'string') this.text.add(block.text);
        }
      }
    }
  }
}
