import type { MeteredRoute } from '../../domain/metered-route.js';
import type { StreamMeter } from '../adapter.js';
import type { UsageReport } from '../../domain/usage-report.js';
import { concatBytes, EMPTY_BYTES, parseEventJson } from '../sse/event-json.js';
import { SseParser, type SseEvent, type SseItem } from '../sse/parser.js';
import { encodingForModel } from '../../tokens/encoding.js';
import { arr, obj } from '../../tokens/json-narrow.js';
import { StreamedText } from '../../tokens/streamed-text.js';
import { responseModelOf } from '../response-model.js';
import { contentChunkHead, contentChunkText, endsWithUsageNull } from './content-chunk.js';
import { topLevelNullMember } from './strip-usage.js';
import { openAIUsage } from './usage.js';

const RESPONSES_TEXT_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
]);
/**
 * The Responses API ends every stream with one of three events, each carrying the response object (with usage).
 * `response.completed` and `response.incomplete` (stopped by max_output_tokens or the content filter) finish a
 * generation: their usage is final and billed. `response.failed` does not: its usage may be null or partial and
 * its output tells nothing about typical output, so its counts are read but the stream is not complete.
 */
const RESPONSES_FINISHED = new Set(['response.completed', 'response.incomplete']);
const RESPONSES_FINAL = new Set([...RESPONSES_FINISHED, 'response.failed']);
const USAGE_KEY = Buffer.from('usage');
const DATA_FIELD = Buffer.from('data:');

/**
 * What an event is to the rewriting meter: not a JSON object (forwarded as is), OpenAI's usage-only chunk
 * (dropped), a chunk with a top-level `"usage":null` (cut out; `-last`: known to be its last member), or
 * anything else (forwarded as is).
 */
type EventKind = 'other' | 'usage-chunk' | 'usage-null' | 'usage-null-last' | 'plain';

/** Options of an {@link OpenAIStreamMeter}. */
export interface OpenAIStreamMeterOptions {
  route: MeteredRoute;
  model: string;
  /** The proxy added stream_options.include_usage: hide its traces from the client. */
  injectedUsage: boolean;
}

/**
 * Meters an OpenAI SSE stream (chat/completions, completions, responses). Not injected: the client gets the
 * upstream chunks themselves (zero-copy) while a parser reads usage alongside. Injected: events are re-emitted
 * from their original bytes, the usage-only chunk (`choices: []` with usage) is dropped, and the top-level
 * `"usage":null` member OpenAI adds to every other chunk is cut out by byte surgery (only those bytes, and one
 * adjoining comma, are removed; the rest of the event is forwarded exactly as received). Complete at chat and
 * completions' `[DONE]` or their final usage-only chunk, or at a Responses stream's finishing event.
 */
export class OpenAIStreamMeter implements StreamMeter {
  private readonly parser: SseParser;
  private readonly text: StreamedText;
  private readonly route: MeteredRoute;
  private readonly injected: boolean;
  private report: UsageReport = {};
  private malformed = 0;
  private done = false;
  private model: string | undefined;
  /** The text this stream's content chunks start with, learnt from its first parsed chunk. */
  private head: string | undefined;
  private headTried = false;

  constructor(opts: OpenAIStreamMeterOptions) {
    this.route = opts.route;
    this.injected = opts.injectedUsage;
    // Only a rewriting meter re-emits events from their bytes; otherwise the chunks pass through as received.
    this.parser = new SseParser({ keepRaw: opts.injectedUsage });
    this.text = new StreamedText(encodingForModel(opts.model));
  }

  push(chunk: Uint8Array): Uint8Array {
    const items = this.parser.push(chunk);
    if (!this.injected) {
      for (const item of items) if (item.kind === 'event') this.read(item);
      return chunk;
    }
    return this.rewrite(items);
  }

  end(): Uint8Array {
    const items = this.parser.end();
    if (!this.injected) {
      for (const item of items) if (item.kind === 'event') this.read(item);
      return EMPTY_BYTES;
    }
    return this.rewrite(items);
  }

  usage(): UsageReport {
    return { ...this.report };
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

  private rewrite(items: SseItem[]): Uint8Array {
    const out: Uint8Array[] = [];
    for (const item of items) {
      if (item.kind === 'skipped') {
        out.push(item.raw);
        continue;
      }
      const kind = this.read(item);
      // The chunk that exists only because we asked for usage: the client would never have seen it.
      if (kind === 'usage-chunk') continue;
      if (kind === 'usage-null') out.push(...withoutUsageNull(item));
      else if (kind === 'usage-null-last') out.push(...withoutLastUsageNull(item));
      else out.push(item.raw);
    }
    return concatBytes(out);
  }

  /** Read usage and streamed text from one event. */
  private read(ev: SseEvent): EventKind {
    const data = ev.data;
    if (data === undefined) return 'other';
    if (data === '[DONE]') {
      this.done = true;
      return 'other';
    }
    // Most chat chunks carry one piece of content: read it without parsing the event.
    if (this.head !== undefined) {
      const content = contentChunkText(data, this.head);
      if (content !== undefined) {
        this.text.add(content);
        return endsWithUsageNull(data) ? 'usage-null-last' : 'plain';
      }
    }
    const parsed = obj(parseEventJson(data));
    if (!parsed) {
      this.malformed++;
      return 'other';
    }
    if (this.route === '/v1/responses') this.readResponsesEvent(parsed, ev.event);
    else {
      this.readChunk(parsed);
      if (!this.headTried && this.route === '/v1/chat/completions') {
        this.headTried = true;
        this.head = contentChunkHead(data, parsed);
      }
    }
    if (isUsageChunk(parsed)) return 'usage-chunk';
    return parsed.usage === null ? 'usage-null' : 'plain';
  }

  private readChunk(chunk: Record<string, unknown>): void {
    // Every chunk names the model; reading the first is enough.
    this.model ??= responseModelOf(chunk);
    const usage = openAIUsage(chunk.usage);
    if (usage) this.report = usage;
    // OpenAI sends usage once, in a last chunk of its own just before [DONE]: the counts are final.
    if (usage && isUsageChunk(chunk)) this.done = true;
    for (const choice of arr(chunk.choices) ?? []) {
      const c = obj(choice);
      if (!c) continue;
      if (typeof c.text === 'string') this.text.add(c.text);
      const delta = obj(c.delta);
      if (!delta) continue;
      for (const key of ['content', 'refusal', 'reasoning_content'] as const) {
        const v = delta[key];
        if (typeof v === 'string') this.text.add(v);
      }
      for (const call of arr(delta.tool_calls) ?? []) {
        const fn = obj(obj(call)?.function);
        if (typeof fn?.name === 'string') this.text.add(fn.name);
        if (typeof fn?.arguments === 'string') this.text.add(fn.arguments);
      }
      const fc = obj(delta.function_call);
      if (typeof fc?.name === 'string') this.text.add(fc.name);
      if (typeof fc?.arguments === 'string') this.text.add(fc.arguments);
    }
  }

  private readResponsesEvent(ev: Record<string, unknown>, eventName: string | undefined): void {
    const type = typeof ev.type === 'string' ? ev.type : eventName;
    if (type === undefined) return;
    if (RESPONSES_TEXT_DELTAS.has(type)) {
      if (typeof ev.delta === 'string') this.text.add(ev.delta);
    } else if (type === 'response.created') {
      this.model ??= responseModelOf(ev.response);
    } else if (RESPONSES_FINAL.has(type)) {
      this.model ??= responseModelOf(ev.response);
      const usage = openAIUsage(obj(ev.response)?.usage);
      if (usage) this.report = usage;
      if (RESPONSES_FINISHED.has(type)) this.done = true;
    }
  }
}

/** The event's bytes without its top-level `"usage":null` member (and one comma), as pieces of the original bytes. */
function withoutUsageNull(ev: SseEvent): Uint8Array[] {
  if (ev.data === undefined || ev.data.includes('\n')) return [ev.raw];
  const line = dataLine(ev.raw);
  const cut = line && topLevelNullMember(ev.raw, USAGE_KEY, line[0], line[1]);
  return cut === undefined ? [ev.raw] : [ev.raw.subarray(0, cut[0]), ev.raw.subarray(cut[1])];
}

const LAST_USAGE_NULL = Buffer.from(',"usage":null}');

/**
 * {@link withoutUsageNull} for an event whose JSON is known to end with its only `"usage":null` member: when
 * the event is that one data line, the member is cut from the end without scanning the JSON.
 */
function withoutLastUsageNull(ev: SseEvent): Uint8Array[] {
  const raw = ev.raw;
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d)) end--;
  const value = raw[DATA_FIELD.length] === 0x20 ? DATA_FIELD.length + 1 : DATA_FIELD.length;
  // One line: the event opens with `data:` and its value is all its bytes up to the terminator (any other
  // line, a comment or a field, would make it longer).
  const oneLine = ev.data !== undefined && end - value === Buffer.byteLength(ev.data) && DATA_FIELD.every((b, k) => raw[k] === b);
  const member = end - LAST_USAGE_NULL.length;
  if (!oneLine || member < value || !LAST_USAGE_NULL.every((b, k) => raw[member + k] === b)) return withoutUsageNull(ev);
  return [raw.subarray(0, member), raw.subarray(end - 1)];
}

/** [start, end) of the value of the event's `data:` line in its raw bytes (the first one; the caller knows there is one). */
function dataLine(raw: Uint8Array): [number, number] | undefined {
  for (let i = 0; i < raw.length; ) {
    let end = i;
    while (end < raw.length && raw[end] !== 0x0a && raw[end] !== 0x0d) end++;
    if (end - i >= DATA_FIELD.length && DATA_FIELD.every((b, k) => raw[i + k] === b)) {
      const start = raw[i + DATA_FIELD.length] === 0x20 ? i + DATA_FIELD.length + 1 : i + DATA_FIELD.length;
      return [start, end];
    }
    i = end + 1;
  }
  return undefined;
}

/** OpenAI's usage-only chunk: `choices: []` and a usage object, sent last when stream_options.include_usage is set. */
function isUsageChunk(chunk: Record<string, unknown>): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && obj(chunk.usage) !== undefined;
}
