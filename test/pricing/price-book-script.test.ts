import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/price-book.mjs', import.meta.url).pathname;

// A few entries shaped like LiteLLM's model_prices_and_context_window.json (per-token USD).
const LITELLM = {
  sample_spec: { input_cost_per_token: 0, litellm_provider: 'one of…', mode: 'chat' },
  'gpt-4o': { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5, cache_read_input_token_cost: 1.25e-6, litellm_provider: 'openai', mode: 'chat' },
  'gpt-4o-2024-08-06': { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5, cache_read_input_token_cost: 1.25e-6, litellm_provider: 'openai', mode: 'chat' },
  'gpt-4o-2024-05-13': { input_cost_per_token: 5e-6, output_cost_per_token: 1.5e-5, litellm_provider: 'openai', mode: 'chat' },
  'o9-thinker': { input_cost_per_token: 1e-6, output_cost_per_token: 4e-6, output_cost_per_reasoning_token: 2e-6, litellm_provider: 'openai', mode: 'responses' },
  'text-embedding-3-small': { input_cost_per_token: 2e-8, output_cost_per_token: 0, litellm_provider: 'openai', mode: 'embedding' },
  'davinci-002': { input_cost_per_token: 2e-6, output_cost_per_token: 2e-6, litellm_provider: 'text-completion-openai', mode: 'completion' },
  'claude-sonnet-4-5': {
    input_cost_per_token: 3e-6,
    output_cost_per_token: 1.5e-5,
    cache_creation_input_token_cost: 3.75e-6,
    cache_creation_input_token_cost_above_1hr: 6e-6,
    cache_read_input_token_cost: 3e-7,
    litellm_provider: 'anthropic',
    mode: 'chat',
  },
  'claude-4-opus-20250514': { input_cost_per_token: 1.5e-5, output_cost_per_token: 7.5e-5, litellm_provider: 'anthropic', mode: 'chat' },
  'claude-3-haiku-20240307': {
    input_cost_per_token: 2.5e-7,
    output_cost_per_token: 1.25e-6,
    cache_creation_input_token_cost: 3e-7,
    cache_creation_input_token_cost_above_1hr: 6e-6,
    cache_read_input_token_cost: 3e-8,
    litellm_provider: 'anthropic',
    mode: 'chat',
  },
  'claude-retired': { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6, deprecation_date: '2026-01-01', litellm_provider: 'anthropic', mode: 'chat' },
  'ft:gpt-4o-2024-08-06': { input_cost_per_token: 3.75e-6, output_cost_per_token: 1.5e-5, litellm_provider: 'openai', mode: 'chat' },
  'azure/gpt-4o': { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5, litellm_provider: 'azure', mode: 'chat' },
  'gpt-image-1': { input_cost_per_token: 5e-6, output_cost_per_token: 4e-5, litellm_provider: 'openai', mode: 'image_generation' },
  'bedrock-claude': { input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5, litellm_provider: 'bedrock', mode: 'chat' },
};

describe('scripts/price-book.mjs', () => {
  let dir: string;
  let book: { version: string; source: string; sourceSha256: string; license: string[]; models: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'price-book-'));
    const input = join(dir, 'litellm.json');
    const out = join(dir, 'book.json');
    await writeFile(input, JSON.stringify(LITELLM));
    await run(process.execPath, [SCRIPT, input, '--date', '2026-08-01', '--source', 'a test copy', '--out', out]);
    book = JSON.parse(await readFile(out, 'utf8')) as typeof book;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a versioned header with the source, the input\'s hash and the MIT notice', () => {
    expect(book.version).toBe('2026-08-01');
    expect(book.source).toBe('LiteLLM model_prices_and_context_window.json (MIT), a test copy');
    expect(book.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(book.license.join('\n')).toContain('Copyright (c) 2023 Berri AI');
  });

  it('keeps OpenAI and Anthropic text models only, current at the date', () => {
    expect(Object.keys(book.models)).toEqual([
      'claude-3-haiku-20240307',
      'claude-4-opus-20250514',
      'claude-sonnet-4-5',
      'davinci-002',
      'gpt-4o',
      'gpt-4o-2024-05-13',
      'o9-thinker',
      'text-embedding-3-small',
    ]);
  });

  it('converts to USD per million tokens without binary noise, and keeps reasoning priced apart', () => {
    expect(book.models['gpt-4o']).toEqual({ input: 2.5, output: 10, cachedInput: 1.25, source: 'litellm', date: '2026-08-01' });
    expect(book.models['gpt-4o-2024-05-13']).toMatchObject({ input: 5, output: 15 });
    expect(book.models['o9-thinker']).toMatchObject({ input: 1, output: 4, reasoning: 2 });
    expect(book.models['text-embedding-3-small']).toMatchObject({ input: 0.02, output: 0 });
    expect(book.models['claude-sonnet-4-5']).toEqual({ input: 3, output: 15, cachedInput: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6, source: 'litellm', date: '2026-08-01' });
  });

  it('derives Anthropic cache prices LiteLLM lacks or has wrong, and says so', () => {
    expect(book.models['claude-4-opus-20250514']).toMatchObject({ input: 15, cacheWrite5m: 18.75, cacheWrite1h: 30, cachedInput: 1.5 });
    expect(book.models['claude-4-opus-20250514']?.source).toMatch(/^litellm; derived: cacheWrite5m = 1\.25 × input.*cacheWrite1h = 2 × input.*cachedInput = 0\.1 × input/);
    expect(book.models['claude-3-haiku-20240307']).toMatchObject({ cacheWrite5m: 0.3, cacheWrite1h: 0.5, cachedInput: 0.03 });
    expect(book.models['claude-3-haiku-20240307']?.source).toContain('LiteLLM had 6');
  });

  it('refuses to run without a date and a source', async () => {
    await expect(run(process.execPath, [SCRIPT, join(dir, 'litellm.json')])).rejects.toMatchObject({ code: 2 });
  });
});
