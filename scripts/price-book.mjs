#!/usr/bin/env node
// Regenerates the price book (src/pricing/price-book.json) from a local copy of LiteLLM's
// model_prices_and_context_window.json (MIT). Nothing is fetched: the copy is given as an argument, so the
// book shipped with a release is exactly what its commit says.
//
//   node scripts/price-book.mjs <model_prices_and_context_window.json> --date YYYY-MM-DD --source "<where the copy is from>" [--out <file>]
//
// Kept: OpenAI and Anthropic text models (chat, responses, completion, embedding), not retired by --date.
// Prices become USD per million tokens. A dated snapshot priced like its family is dropped (the family
// entry prices it); one priced apart keeps its own entry. Anthropic cache prices LiteLLM lacks, or a 1 h
// write that contradicts Anthropic's documented 2× input, are derived from the input price and say so.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const PROVIDERS = new Set(['openai', 'text-completion-openai', 'anthropic']);
const MODES = new Set(['chat', 'responses', 'completion', 'embedding']);
/** Anthropic's documented multipliers of the input price: https://docs.anthropic.com/en/docs/about-claude/pricing */
const ANTHROPIC = { cacheWrite5m: 1.25, cacheWrite1h: 2, cachedInput: 0.1 };
const DATED = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;
const PRICE_KEYS = ['input', 'output', 'cachedInput', 'cacheWrite5m', 'cacheWrite1h', 'reasoning'];

const LICENSE = [
  'Prices from LiteLLM (https://github.com/BerriAI/litellm), model_prices_and_context_window.json, under the MIT License:',
  'Copyright (c) 2023 Berri AI',
  'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:',
  'The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.',
  'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.',
];

/** USD per token → USD per million tokens, without binary noise (3e-6 × 1e6 is not exactly 3). */
function perMillion(perToken) {
  return Number((perToken * 1e6).toPrecision(10));
}

function isPrice(v) {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** One LiteLLM entry as a book entry, or undefined when it is not one we keep. */
function entryOf(raw, date) {
  if (!PROVIDERS.has(raw.litellm_provider) || !MODES.has(raw.mode)) return undefined;
  if (!isPrice(raw.input_cost_per_token)) return undefined;
  if (typeof raw.deprecation_date === 'string' && raw.deprecation_date < date) return undefined;
  const input = perMillion(raw.input_cost_per_token);
  const entry = { input, output: isPrice(raw.output_cost_per_token) ? perMillion(raw.output_cost_per_token) : 0 };
  const derived = [];
  if (isPrice(raw.cache_read_input_token_cost)) entry.cachedInput = perMillion(raw.cache_read_input_token_cost);
  if (isPrice(raw.cache_creation_input_token_cost)) entry.cacheWrite5m = perMillion(raw.cache_creation_input_token_cost);
  if (isPrice(raw.cache_creation_input_token_cost_above_1hr)) entry.cacheWrite1h = perMillion(raw.cache_creation_input_token_cost_above_1hr);
  if (isPrice(raw.output_cost_per_reasoning_token) && perMillion(raw.output_cost_per_reasoning_token) !== entry.output) {
    entry.reasoning = perMillion(raw.output_cost_per_reasoning_token);
  }
  if (raw.litellm_provider === 'anthropic') {
    for (const [key, factor] of Object.entries(ANTHROPIC)) {
      const documented = Number((input * factor).toPrecision(10));
      // LiteLLM's 1 h write prices of the Claude 3 models are off by far; Anthropic prices every 1 h write at 2× input.
      const wrong = key === 'cacheWrite1h' && entry[key] !== undefined && entry[key] !== documented;
      if (entry[key] === undefined || wrong) {
        derived.push(`${key} = ${factor} × input (Anthropic's documented multiplier${wrong ? `; LiteLLM had ${entry[key]}` : ''})`);
        entry[key] = documented;
      }
    }
  }
  entry.source = derived.length === 0 ? 'litellm' : `litellm; derived: ${derived.join('; ')}`;
  entry.date = date;
  return entry;
}

function samePrices(a, b) {
  return PRICE_KEYS.every((k) => a[k] === b[k]);
}

/** The book's models from a parsed LiteLLM file, sorted by name. */
export function priceBookModels(litellm, date) {
  const models = new Map();
  for (const [name, raw] of Object.entries(litellm)) {
    // Fine-tunes (ft:…), provider-scoped keys (openai/…) and the spec sample are not names a provider returns.
    if (name === 'sample_spec' || name.includes(':') || name.includes('/') || typeof raw !== 'object' || raw === null) continue;
    const entry = entryOf(raw, date);
    if (entry !== undefined) models.set(name.toLowerCase(), entry);
  }
  for (const [name, entry] of models) {
    const family = models.get(name.replace(DATED, ''));
    if (family !== undefined && family !== entry && samePrices(family, entry)) models.delete(name);
  }
  return Object.fromEntries([...models].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { date: { type: 'string' }, source: { type: 'string' }, out: { type: 'string' } },
  });
  const [input] = positionals;
  if (input === undefined || values.date === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(values.date) || values.source === undefined) {
    console.error('usage: node scripts/price-book.mjs <model_prices_and_context_window.json> --date YYYY-MM-DD --source "<where the copy is from>" [--out <file>]');
    process.exit(2);
  }
  const text = readFileSync(input);
  const out = values.out ?? fileURLToPath(new URL('../src/pricing/price-book.json', import.meta.url));
  const book = {
    version: values.date,
    source: `LiteLLM model_prices_and_context_window.json (MIT), ${values.source}`,
    sourceSha256: createHash('sha256').update(text).digest('hex'),
    unit: 'USD per million tokens',
    license: LICENSE,
    models: priceBookModels(JSON.parse(text.toString('utf8')), values.date),
  };
  writeFileSync(out, JSON.stringify(book, null, 2) + '\n');
  console.log(`${Object.keys(book.models).length} models written to ${out}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
