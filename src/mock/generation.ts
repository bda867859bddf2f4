/**
 * What the mock "generates": a deterministic text of N tokens (each word below is one token in the
 * GPT and Claude vocabularies), split into stream chunks. Pure.
 */
import type { MockBehaviour } from './behaviour.js';

const WORDS = [' Hello', ' from', ' the', ' mock', ' provider', ',', ' one', ' token', ' at', ' a', ' time', '.'];

export interface Generation {
  /** Visible text tokens. */
  textTokens: number;
  reasoningTokens: number;
  /** textTokens + reasoningTokens: what the provider bills as output. */
  outputTokens: number;
  /** True when the request's max tokens cut the generation short. */
  truncated: boolean;
  text: string;
  /** The text split into stream chunks; joined they give `text`. */
  chunks: string[];
}

/** The request's output cap, whichever field its format uses. */
export function maxOutputTokens(body: Record<string, unknown>): number | undefined {
  for (const key of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const value = body[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  }
  return undefined;
}

/** Plan the output for one request. */
export function planGeneration(behaviour: MockBehaviour, maxTokens: number | undefined): Generation {
  const wanted = behaviour.outputTokens + behaviour.reasoningTokens;
  const total = maxTokens === undefined ? wanted : Math.min(wanted, maxTokens);
  const reasoningTokens = Math.min(behaviour.reasoningTokens, total);
  const textTokens = total - reasoningTokens;
  const tokens: string[] = [];
  // The first word has no leading space, as a reply would start.
  for (let i = 0; i < textTokens; i++) tokens.push(i === 0 ? 'Hello' : (WORDS[i % WORDS.length] as string));
  const chunkCount = Math.min(Math.max(behaviour.chunks, 1), textTokens);
  const chunks: string[] = [];
  for (let c = 0; c < chunkCount; c++) {
    const from = Math.floor((c * textTokens) / chunkCount);
    const to = Math.floor(((c + 1) * textTokens) / chunkCount);
    chunks.push(tokens.slice(from, to).join(''));
  }
  return { textTokens, reasoningTokens, outputTokens: total, truncated: total < wanted, text: tokens.join(''), chunks };
}
