import { defaultCountCache } from './count-cache.js';
import { countText, encodingForModel, type EncodingName } from './encoding.js';
import { imageUrlTokens } from './image-tokens.js';
import { arr, isObj, str, type Obj } from './json-narrow.js';
import { countResponseFormat, countTools } from './openai-tools.js';
import type { PieceCounter } from './piece-counter.js';

/** Input tokens of a request, and the model and encoding they were counted for. */
export interface InputCount {
  model: string;
  encoding: EncodingName;
  inputTokens: number;
}

// OpenAI's chat format (cookbook "How to count tokens with tiktoken" §6): every message costs 3 tokens of
// framing, a `name` one more, and every reply is primed with 3 (<|start|>assistant<|message|>).
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

/** Audio is ~10 tokens a second; base64 of 16 kHz 16-bit mono is ~42,700 chars a second. An approximation. */
function audioTokens(base64Length: number): number {
  return Math.ceil(base64Length / 4267);
}

function countContentPart(part: unknown, enc: EncodingName): number {
  if (typeof part === 'string') return countText(part, enc);
  if (!isObj(part)) return 0;
  const text = str(part.text) ?? str(part.refusal);
  if (text !== undefined) return countText(text, enc);
  if (isObj(part.image_url)) return imageUrlTokens(str(part.image_url.url) ?? '', str(part.image_url.detail));
  if (part.type === 'input_image') return imageUrlTokens(str(part.image_url) ?? '', str(part.detail));
  if (isObj(part.input_audio)) return audioTokens(str(part.input_audio.data)?.length ?? 0);
  // Files (PDFs) are expanded server-side into text and page images we cannot see: counted by their name only.
  if (isObj(part.file)) return countText(str(part.file.filename) ?? '', enc);
  return countText(str(part.filename) ?? '', enc);
}

/** Tokens of a `content` value: a string or an array of parts. */
export function countContent(content: unknown, enc: EncodingName): number {
  if (typeof content === 'string') return countText(content, enc);
  const parts = arr(content);
  if (!parts) return 0;
  let n = 0;
  for (const p of parts) n += countContentPart(p, enc);
  return n;
}

function countToolCall(call: unknown, enc: EncodingName): number {
  if (!isObj(call)) return 0;
  const fn = isObj(call.function) ? call.function : call;
  return TOKENS_PER_MESSAGE + countText(str(fn.name) ?? '', enc) + countText(str(fn.arguments) ?? '', enc);
}

/** One chat message with its framing (cookbook rules), tool calls and images included. */
export function countChatMessage(m: unknown, enc: EncodingName): number {
  if (!isObj(m)) return TOKENS_PER_MESSAGE;
  let n = TOKENS_PER_MESSAGE;
  for (const [key, v] of Object.entries(m)) {
    if (key === 'content') n += countContent(v, enc);
    else if (key === 'role' || key === 'refusal') n += countText(str(v) ?? '', enc);
    else if (key === 'name' && typeof v === 'string') n += countText(v, enc) + TOKENS_PER_NAME;
    else if (key === 'tool_calls') for (const c of arr(v) ?? []) n += countToolCall(c, enc);
    else if (key === 'function_call') n += countToolCall(v, enc);
  }
  return n;
}

function cachedTools(tools: unknown[], enc: EncodingName, counter: PieceCounter): number {
  return tools.length === 0 ? 0 : counter.sum('oai-tools:' + enc, [tools], () => countTools(tools, enc));
}

function responseFormat(format: unknown, enc: EncodingName, counter: PieceCounter): number {
  return format === undefined ? 0 : counter.once('oai-format:' + enc, format, (f) => countResponseFormat(f, enc));
}

function modelOf(body: Obj): string {
  return str(body.model) ?? 'unknown';
}

/** `/v1/chat/completions`: messages (each counted once per cache), tools or legacy functions, response_format. */
export function countChatRequest(body: Obj, counter: PieceCounter = defaultCountCache): InputCount {
  const model = modelOf(body);
  const enc = encodingForModel(model);
  let n = REPLY_PRIMING;
  n += counter.sum('oai-msg:' + enc, arr(body.messages) ?? [], (m) => countChatMessage(m, enc));
  n += cachedTools(arr(body.tools) ?? arr(body.functions) ?? [], enc, counter);
  n += responseFormat(body.response_format, enc, counter);
  return { model, encoding: enc, inputTokens: n };
}

/** Tokens of a prompt/input value: a string, an array of strings, a token array, or an array of token arrays. */
export function countPromptInput(input: unknown, enc: EncodingName): number {
  if (typeof input === 'string') return countText(input, enc);
  const items = arr(input);
  if (!items) return 0;
  if (items.every((x) => typeof x === 'number')) return items.length;
  let n = 0;
  for (const x of items) n += countPromptInput(x, enc);
  return n;
}

/** `/v1/completions`: the prompt (and suffix) with no chat framing. */
export function countCompletionsRequest(body: Obj, counter: PieceCounter = defaultCountCache): InputCount {
  const model = modelOf(body);
  const enc = encodingForModel(model);
  const prompt = counter.once('oai-prompt:' + enc, body.prompt, (p) => countPromptInput(p, enc));
  const suffix = body.suffix === undefined ? 0 : counter.once('oai-suffix:' + enc, body.suffix, (s) => countText(str(s) ?? '', enc));
  return { model, encoding: enc, inputTokens: prompt + suffix };
}

/** `/v1/embeddings`: the input, with no framing. */
export function countEmbeddingsRequest(body: Obj, counter: PieceCounter = defaultCountCache): InputCount {
  const model = modelOf(body);
  const enc = encodingForModel(model);
  return { model, encoding: enc, inputTokens: counter.once('oai-input:' + enc, body.input, (i) => countPromptInput(i, enc)) };
}

/** One Responses API input item (message, function call, its output, reasoning, or anything else by its JSON). */
export function countResponsesItem(item: unknown, enc: EncodingName): number {
  if (typeof item === 'string') return TOKENS_PER_MESSAGE + countText('user', enc) + countText(item, enc);
  if (!isObj(item)) return 0;
  const type = str(item.type) ?? (item.role !== undefined ? 'message' : '');
  switch (type) {
    case 'message':
      return TOKENS_PER_MESSAGE + countText(str(item.role) ?? '', enc) + countContent(item.content, enc);
    case 'function_call':
    case 'custom_tool_call':
      return TOKENS_PER_MESSAGE + countText(str(item.name) ?? '', enc) + countText(str(item.arguments) ?? str(item.input) ?? '', enc);
    case 'function_call_output':
    case 'custom_tool_call_output':
      return TOKENS_PER_MESSAGE + (typeof item.output === 'string' ? countText(item.output, enc) : countContent(item.output, enc));
    case 'reasoning': {
      let n = TOKENS_PER_MESSAGE;
      for (const s of arr(item.summary) ?? []) n += countContentPart(s, enc);
      return n;
    }
    case 'item_reference':
      return 0;
    default:
      return TOKENS_PER_MESSAGE + countText(JSON.stringify(item), enc);
  }
}

/** `/v1/responses`: instructions, input (a string or items, each counted once per cache), tools, text.format. */
export function countResponsesRequest(body: Obj, counter: PieceCounter = defaultCountCache): InputCount {
  const model = modelOf(body);
  const enc = encodingForModel(model);
  const countItem = (item: unknown): number => countResponsesItem(item, enc);
  let n = REPLY_PRIMING;
  const instructions = str(body.instructions);
  if (instructions) n += counter.sum('oai-instructions:' + enc, [instructions], (i) => countItem({ role: 'developer', content: i }));
  const input = typeof body.input === 'string' ? [body.input] : (arr(body.input) ?? []);
  n += counter.sum('oai-item:' + enc, input, countItem);
  n += cachedTools(arr(body.tools) ?? [], enc, counter);
  if (isObj(body.text)) n += responseFormat(body.text.format, enc, counter);
  return { model, encoding: enc, inputTokens: n };
}
