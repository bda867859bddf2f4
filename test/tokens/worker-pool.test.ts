import { mkdirSync, readdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import { OpenAIAdapter } from '../../src/providers/openai/adapter.js';
import { CountCache } from '../../src/tokens/count-cache.js';
import { InputCounter } from '../../src/tokens/input-counter.js';
import { countRequestInput } from '../../src/tokens/request-input.js';
import { TokenCountPool } from '../../src/tokens/worker-pool.js';

// Worker threads run plain JS: transpile the worker's module closure (src/tokens and the files it imports)
// into a folder under node_modules/.cache so its bare imports (gpt-tokenizer, lru-cache) still resolve.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'node_modules', '.cache', 'token-ninja-worker-test', String(process.pid));

function transpileDir(rel: string, files?: string[]): void {
  for (const f of files ?? readdirSync(join(root, rel)).filter((n) => n.endsWith('.ts'))) {
    const src = readFileSync(join(root, rel, f), 'utf8');
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
    mkdirSync(join(out, rel), { recursive: true });
    writeFileSync(join(out, rel, f.replace(/\.ts$/, '.js')), js);
  }
}

let pool: TokenCountPool;
const longText = 'The quick brown fox jumps over the lazy dog. '.repeat(4000);
const body = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: longText },
  ],
  max_tokens: 100,
};

beforeAll(() => {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  transpileDir('src/tokens');
  transpileDir('src/errors');
  transpileDir('src/domain');
  transpileDir('src/providers', ['adapter.ts']);
  pool = new TokenCountPool({ size: 1, workerUrl: pathToFileURL(join(out, 'src/tokens/count-worker.js')) });
});

afterAll(async () => {
  await pool?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('TokenCountPool', () => {
  it('counts the same as the main thread', async () => {
    const raw = Buffer.from(JSON.stringify(body));
    const fromPool = await pool.count('/v1/chat/completions', raw);
    expect(fromPool).toMatchObject(countRequestInput('/v1/chat/completions', body, new CountCache()));
    const anthropic = { model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] };
    expect(await pool.count('/v1/messages', JSON.stringify(anthropic))).toMatchObject(countRequestInput('/v1/messages', anthropic, new CountCache()));
  });

  it('a body that is a view into a larger buffer: only its bytes are sent (transferred), and the caller keeps its buffer', async () => {
    const json = Buffer.from(JSON.stringify(body));
    const big = Buffer.alloc(json.length + 1_000_000, 0x20);
    json.copy(big, 500_000);
    const view = big.subarray(500_000, 500_000 + json.length);
    const sent: Array<{ bytes: number; transferred: boolean }> = [];
    const original = Worker.prototype.postMessage;
    const spy = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, msg: unknown, transfer?: readonly unknown[]) {
      const b = (msg as { body: Uint8Array }).body;
      sent.push({ bytes: b.buffer.byteLength, transferred: transfer?.includes(b.buffer) === true });
      return original.call(this, msg, transfer as Parameters<Worker['postMessage']>[1]);
    });
    try {
      expect(await pool.count('/v1/chat/completions', view)).toMatchObject(countRequestInput('/v1/chat/completions', body, new CountCache()));
    } finally {
      spy.mockRestore();
    }
    expect(sent).toEqual([{ bytes: json.length, transferred: true }]);
    expect(big.buffer.byteLength).toBe(big.length);
    expect(view.equals(json)).toBe(true);
  });

  it('runs jobs concurrently without mixing answers', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => ({ model: 'gpt-4', input: Array(i + 1).fill('word').join(' ') }));
    const counts = await Promise.all(bodies.map((b) => pool.count('/v1/embeddings', JSON.stringify(b))));
    expect(counts.map((c) => c.inputTokens)).toEqual(bodies.map((_, i) => i + 1));
  });

  it('rejects a body that is not JSON with a typed error', async () => {
    await expect(pool.count('/v1/chat/completions', '{nope')).rejects.toMatchObject({ code: 'token_count_failed' });
  });

  it('InputCounter: large bodies go to the pool, small ones stay inline; same estimate either way', async () => {
    const ctx = { defaultOutputTokens: 256 };
    const openai = new OpenAIAdapter();
    const raw = Buffer.from(JSON.stringify(body));
    const counter = new InputCounter({ pool, cache: new CountCache(), thresholdBytes: 1024 });
    const poolSpy = vi.spyOn(pool, 'count');
    try {
      expect(openai.estimateFromInput('/v1/chat/completions', body, ctx, await counter.count('/v1/chat/completions', body, 'a', raw))).toEqual(
        openai.estimate('/v1/chat/completions', body, ctx),
      );
      expect(poolSpy).toHaveBeenCalledTimes(1);
      const small = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
      expect(await counter.count('/v1/chat/completions', small, 'b', JSON.stringify(small))).toEqual(countRequestInput('/v1/chat/completions', small, new CountCache()));
      expect(poolSpy).toHaveBeenCalledTimes(1);
      const anthropic = new AnthropicAdapter();
      anthropic.observe('claude-x', 100, 150);
      const ab = { model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: longText }] };
      const input = await counter.count('/v1/messages', ab, 'c', JSON.stringify(ab));
      expect(anthropic.estimateFromInput('/v1/messages', ab, ctx, input)).toEqual(anthropic.estimate('/v1/messages', ab, ctx));
      expect(poolSpy).toHaveBeenCalledTimes(2);
    } finally {
      poolSpy.mockRestore();
    }
  });

  it('InputCounter: a large conversation the agent already sent goes to the pool once; its next turns count only the new message inline', async () => {
    const counter = new InputCounter({ pool, cache: new CountCache(), thresholdBytes: 1024 });
    const poolSpy = vi.spyOn(pool, 'count');
    try {
      const messages: Array<{ role: string; content: string }> = [{ role: 'user', content: longText }];
      for (let turn = 1; turn <= 4; turn++) {
        const b = { model: 'gpt-4o', messages: messages.slice() };
        const got = await counter.count('/v1/chat/completions', b, 'grower', JSON.stringify(b));
        expect(got).toEqual(countRequestInput('/v1/chat/completions', b, new CountCache()));
        messages.push({ role: turn % 2 === 1 ? 'assistant' : 'user', content: `short reply ${turn}` });
      }
      // Turn 1 brought 180 kB of new text; turns 2–4 only a short message each (before: every turn went to the pool).
      expect(poolSpy).toHaveBeenCalledTimes(1);
      // Another agent sending the same body has no history here: the pool again.
      const other = { model: 'gpt-4o', messages };
      await counter.count('/v1/chat/completions', other, 'someone-else', JSON.stringify(other));
      expect(poolSpy).toHaveBeenCalledTimes(2);
    } finally {
      poolSpy.mockRestore();
    }
  });
});

describe('TokenCountPool failure', () => {
  it('a worker that cannot start fails its job with a typed error, and the pool does not spin', async () => {
    const broken = new TokenCountPool({ size: 1, workerUrl: pathToFileURL(join(out, 'does-not-exist.js')) });
    try {
      await expect(broken.count('/v1/embeddings', '{"input":"x"}')).rejects.toMatchObject({ code: 'token_count_worker_failed' });
      await expect(broken.count('/v1/embeddings', '{"input":"x"}')).rejects.toMatchObject({ code: 'token_count_worker_failed' });
    } finally {
      await broken.close();
    }
  });
});
