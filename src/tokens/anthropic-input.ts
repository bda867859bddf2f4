import { defaultCountCache } from './count-cache.js';
import { ANTHROPIC_ENCODING, countText } from './encoding.js';
import { base64ImageSize } from './image-size.js';
import { arr, isObj, str, type Obj } from './json-narrow.js';
import type { InputCount } from './openai-input.js';
import type { PieceCounter } from './piece-counter.js';

const ENC = ANTHROPIC_ENCODING;
const TOKENS_PER_MESSAGE = 3;
/** Anthropic's documented tool-use system prompt: 346 tokens for tool_choice auto/none, 313 for any/tool. */
const TOOL_SYSTEM_PROMPT_AUTO = 346;
const TOOL_SYSTEM_PROMPT_FORCED = 313;
/** Anthropic's image formula: about width×height/750 tokens after fitting 1568 px and ~1.15 MP; ~1,600 at most. */
export const ANTHROPIC_DEFAULT_IMAGE_TOKENS = 1600;

function anthropicImageTokens(source: unknown): number {
  if (!isObj(source) || source.type !== 'base64') return ANTHROPIC_DEFAULT_IMAGE_TOKENS;
  const size = base64ImageSize(str(source.data) ?? '');
  if (!size) return ANTHROPIC_DEFAULT_IMAGE_TOKENS;
  let { width: w, height: h } = size;
  const longEdge = Math.max(w, h);
  if (longEdge > 1568) {
    w = (w * 1568) / longEdge;
    h = (h * 1568) / longEdge;
  }
  if (w * h > 1_150_000) {
    const s = Math.sqrt(1_150_000 / (w * h));
    w *= s;
    h *= s;
  }
  return Math.ceil((w * h) / 750);
}

function countBlock(block: unknown): number {
  if (typeof block === 'string') return countText(block, ENC);
  if (!isObj(block)) return 0;
  switch (block.type) {
    case 'text':
      return countText(str(block.text) ?? '', ENC);
    case 'image':
      return anthropicImageTokens(block.source);
    case 'tool_use':
    case 'server_tool_use':
      return TOKENS_PER_MESSAGE + countText(str(block.name) ?? '', ENC) + countText(JSON.stringify(block.input ?? {}), ENC);
    case 'tool_result':
      return TOKENS_PER_MESSAGE + countBlocks(block.content);
    case 'thinking':
      return countText(str(block.thinking) ?? '', ENC);
    case 'document': {
      // Plain-text documents are counted; PDFs are expanded server-side and left to calibration.
      const src = isObj(block.source) ? block.source : {};
      return countText(src.type === 'text' ? (str(src.data) ?? '') : '', ENC) + countBlocks(src.type === 'content' ? src.content : undefined);
    }
    default:
      return 0;
  }
}

function countBlocks(content: unknown): number {
  if (typeof content === 'string') return countText(content, ENC);
  let n = 0;
  for (const b of arr(content) ?? []) n += countBlock(b);
  return n;
}

/** One Anthropic message: framing, role and content blocks. */
export function countAnthropicMessage(m: unknown): number {
  if (!isObj(m)) return TOKENS_PER_MESSAGE;
  return TOKENS_PER_MESSAGE + countText(str(m.role) ?? '', ENC) + countBlocks(m.content);
}

function countAnthropicTools(tools: unknown[], toolChoice: unknown): number {
  if (tools.length === 0) return 0;
  const forced = isObj(toolChoice) && (toolChoice.type === 'any' || toolChoice.type === 'tool');
  let n = forced ? TOOL_SYSTEM_PROMPT_FORCED : TOOL_SYSTEM_PROMPT_AUTO;
  for (const t of tools) {
    if (!isObj(t)) continue;
    n += countText(str(t.name) ?? '', ENC) + countText(str(t.description) ?? '', ENC);
    // Built-in tools (bash, text editor, web search) carry no schema here; their prompt is left to calibration.
    if (t.input_schema !== undefined) n += countText(JSON.stringify(t.input_schema), ENC);
  }
  return n;
}

/** `/v1/messages` input tokens before calibration: system, messages (each once per cache), tools. */
export function countAnthropicRequest(body: Obj, counter: PieceCounter = defaultCountCache): InputCount {
  const model = str(body.model) ?? 'unknown';
  let n = 0;
  if (body.system !== undefined) n += counter.sum('ant-sys', [body.system], countBlocks);
  n += counter.sum('ant-msg', arr(body.messages) ?? [], countAnthropicMessage);
  const tools = arr(body.tools) ?? [];
  if (tools.length > 0) n += counter.sum('ant-tools', [[tools, body.tool_choice ?? null]], () => countAnthropicTools(tools, body.tool_choice));
  return { model, encoding: ENC, inputTokens: n };
}
