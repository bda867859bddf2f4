/**
 * Deterministic prompt-token counts for the mock's `usage`. The default counter is a cheap
 * approximation of GPT pre-tokenisation (a regex pass, no vocabulary), so the mock stays fast under
 * benchmarks; callers wanting exact counts pass their own `countTokens` (e.g. gpt-tokenizer's).
 */

/** Counts tokens in a piece of text. */
export type TokenCounter = (text: string) => number;

const PIECE = /\s?[A-Za-z]+|\s?\d{1,3}|\s?[^\sA-Za-z\d]+|\s+/g;

/** Roughly one token per short word, number group of 3 digits or punctuation run; long pieces count more. */
export function approximateTokenCount(text: string): number {
  let count = 0;
  for (const match of text.matchAll(PIECE)) {
    const piece = match[0];
    count += piece.length <= 8 ? 1 : Math.ceil(piece.length / 6);
  }
  return count;
}

/** Every string value under `value`, skipping structural keys (role, type, ids) that a tokenizer would not see as text. */
function collectText(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectText(item, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'role' || key === 'type' || key === 'id' || key === 'tool_use_id' || key === 'cache_control') continue;
      collectText(inner, out);
    }
  }
}

function textTokens(value: unknown, count: TokenCounter): number {
  const parts: string[] = [];
  collectText(value, parts);
  let total = 0;
  for (const part of parts) total += count(part);
  return total;
}

/** Chat-format overhead as in OpenAI's cookbook: 3 per message, 3 to prime the reply. */
function messagesTokens(messages: unknown, count: TokenCounter): number {
  if (!Array.isArray(messages)) return 0;
  let total = 3;
  for (const message of messages) total += 3 + textTokens(message, count);
  return total;
}

type Body = Record<string, unknown>;

/** Prompt tokens for a request body on a given mock route. Pure. */
export function promptTokens(route: string, body: Body, count: TokenCounter): number {
  switch (route) {
    case '/v1/chat/completions':
      return messagesTokens(body.messages, count) + textTokens(body.tools, count);
    case '/v1/completions':
      return textTokens(body.prompt, count);
    case '/v1/responses':
      return (
        (typeof body.input === 'string' ? count(body.input) + 3 : messagesTokens(body.input, count)) +
        textTokens(body.instructions, count) +
        textTokens(body.tools, count)
      );
    case '/v1/embeddings':
      return embeddingInputTokens(body.input, count);
    case '/v1/messages':
    case '/v1/messages/count_tokens':
      return messagesTokens(body.messages, count) + textTokens(body.system, count) + textTokens(body.tools, count);
    default:
      return 0;
  }
}

/** Embedding inputs may be strings or arrays of token ids (which count one each). */
function embeddingInputTokens(input: unknown, count: TokenCounter): number {
  if (typeof input === 'string') return count(input);
  if (!Array.isArray(input)) return 0;
  let total = 0;
  for (const item of input) {
    if (typeof item === 'string') total += count(item);
    else if (typeof item === 'number') total += 1;
    else if (Array.isArray(item)) total += item.length;
  }
  return total;
}
