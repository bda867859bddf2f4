import { createRequire } from 'node:module';

/** The BPE encodings Token Ninja counts with. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * What Anthropic text is counted with: its tokenizer is not public, so o200k_base, corrected by the
 * adapter's per-model calibration factor (learned from reported usage).
 */
export const ANTHROPIC_ENCODING: EncodingName = 'o200k_base';

// Prompt text is data, not control: `<|endoftext|>` in a message is counted as ordinary text, as the API does.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * The encoding a model uses: cl100k_base for gpt-4 / gpt-3.5 / text-embedding-*, o200k_base for
 * gpt-4o, gpt-4.1, gpt-5, o-series, chatgpt-* and for any model we do not know (the newest family).
 */
export function encodingForModel(model: string): EncodingName {
  const m = model.toLowerCase().replace(/^ft:/, '');
  if (m.startsWith('gpt-4o') || m.startsWith('gpt-4.') || m.startsWith('chatgpt-')) return 'o200k_base';
  if (m.startsWith('gpt-4') || m.startsWith('gpt-3.5') || m.startsWith('gpt-35') || m.startsWith('text-embedding-')) {
    return 'cl100k_base';
  }
  return 'o200k_base';
}

type CountTokens = (text: string, options: typeof PLAIN_TEXT) => number;
const load = createRequire(import.meta.url);
const counters: Partial<Record<EncodingName, CountTokens>> = {};

/** An encoding's tables (~65 MB for o200k_base) are loaded when a model that needs them is first counted, not at startup. */
function counter(encoding: EncodingName): CountTokens {
  return (counters[encoding] ??= (load(`gpt-tokenizer/cjs/encoding/${encoding}`) as { countTokens: CountTokens }).countTokens);
}

/** Whether an encoding's tables are in memory yet. */
export function encodingLoaded(encoding: EncodingName): boolean {
  return counters[encoding] !== undefined;
}

/** Number of tokens `text` encodes to. */
export function countText(text: string, encoding: EncodingName): number {
  if (text.length === 0) return 0;
  return counter(encoding)(text, PLAIN_TEXT);
}
