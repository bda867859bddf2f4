// Tokenizer benchmark: run `npm run build` first, then `node bench/tokenizer.bench.mjs`.
// Measures BPE throughput (English, code, CJK), the cost of counting turn 50 of a growing conversation with and
// without the per-message cache, the event-loop block of a 100k-token prompt (sync vs the worker pool), and the
// SSE stream meter's throughput. Prints one JSON object at the end.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';

const dist = new URL('../dist/', import.meta.url);
const { countText } = await import(new URL('tokens/encoding.js', dist).href);
const { CountCache } = await import(new URL('tokens/count-cache.js', dist).href);
const { countChatRequest } = await import(new URL('tokens/openai-input.js', dist).href);
const { TokenCountPool } = await import(new URL('tokens/worker-pool.js', dist).href);
const { OpenAIStreamMeter } = await import(new URL('providers/openai/stream-meter.js', dist).href);

// Deterministic pseudo-random text, so runs compare.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rand() * a.length)];

const WORDS = ('the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her ' +
  'budget token agent request allocation throughput latency stream provider usage estimate reconcile queue priority deadline ' +
  'productivity forecast window minute hour fleet proxy sidecar gateway model prompt completion reasoning cache conversation ' +
  'although however because therefore meanwhile significantly approximately measured observed reported configured').split(' ');
// Real English prose: the READMEs of installed packages, with code blocks, tables, HTML and links stripped.
function proseCorpus() {
  const root = new URL('../node_modules/', import.meta.url).pathname;
  const files = [];
  const walk = (dir, depth) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory() && depth < 3 && name !== '.cache') walk(p, depth + 1);
      else if (/^readme\.md$/i.test(name)) files.push(p);
    }
  };
  walk(root, 0);
  return files
    .map((f) => readFileSync(f, 'utf8').replace(/```[\s\S]*?```/g, ''))
    .join('\n')
    .split('\n')
    .filter((l) => /^[A-Za-z"'(]/.test(l) && !l.includes('|') && !l.includes('<') && l.split(' ').length > 6)
    .map((l) => l.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, ''))
    .join('\n');
}
const PROSE = proseCorpus();
let proseAt = 0;
/** The next `bytes` of prose (wrapping around the corpus). */
function english(bytes) {
  let s = '';
  while (s.length < bytes) {
    const take = Math.min(bytes - s.length, PROSE.length - proseAt);
    s += PROSE.slice(proseAt, proseAt + take);
    proseAt = (proseAt + take) % PROSE.length;
  }
  return s;
}
// Synthetic sentences, used only if the prose corpus is small.
function synthetic(bytes) {
  let s = '';
  while (s.length < bytes) {
    const n = 8 + Math.floor(rand() * 16);
    const w = Array.from({ length: n }, () => pick(WORDS));
    w[0] = w[0][0].toUpperCase() + w[0].slice(1);
    s += w.join(' ') + (rand() < 0.15 ? '.\n\n' : '. ');
  }
  return s;
}
const CJK = ['今日は良い天気ですね。', '東京の会議は午後三時に始まります。', '我们需要在截止日期之前完成这个任务。', '模型的输出令牌数量被记录下来。',
  '代理的生产力分数每小时更新一次。', 'トークン予算はエージェントごとに割り当てられます。', '请求被排队等待下一个时间窗口。', '서울의 날씨는 맑습니다.'];
function cjk(bytes) {
  let s = '';
  while (Buffer.byteLength(s) < bytes) s += pick(CJK);
  return s;
}
// Real code: the TypeScript compiler's own JavaScript.
const tsLib = readFileSync(new URL('../node_modules/typescript/lib/typescript.js', import.meta.url), 'utf8');
const code = (bytes) => tsLib.slice(1_000_000, 1_000_000 + bytes);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const results = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, date: new Date().toISOString(), loadavgBefore: loadavg().map((x) => +x.toFixed(2)) };

// 1. Throughput: a fresh sample per run (the tokenizer memoises merges of repeated chunks).
// Warm-up: JIT and the encoders' lazy tables (the first large count is several times slower).
for (const enc of ['o200k_base', 'cl100k_base']) {
  countText(synthetic(100_000), enc);
  countText(cjk(50_000), enc);
  countText(tsLib.slice(0, 100_000), enc);
}
results.proseCorpusBytes = PROSE.length;
const SAMPLE = Math.min(200_000, Math.floor(PROSE.length / 5));
results.sampleBytes = SAMPLE;
results.throughput = {};
for (const [name, gen] of [['english', english], ['code', code], ['cjk', cjk]]) {
  for (const enc of ['o200k_base', 'cl100k_base']) {
    const runs = [];
    let tokens = 0;
    for (let r = 0; r < 5; r++) {
      const text = name === 'code' ? tsLib.slice(1_000_000 + r * SAMPLE, 1_000_000 + (r + 1) * SAMPLE) : gen(SAMPLE);
      const bytes = Buffer.byteLength(text);
      const t0 = performance.now();
      tokens = countText(text, enc);
      const ms = performance.now() - t0;
      runs.push({ mbps: bytes / 1e6 / (ms / 1000), bytesPerToken: bytes / tokens });
    }
    results.throughput[`${name}/${enc}`] = {
      MBps: +median(runs.map((r) => r.mbps)).toFixed(2),
      bytesPerToken: +median(runs.map((r) => r.bytesPerToken)).toFixed(2),
    };
  }
}

// 2. Turn 50 of a growing conversation (~300 words a message, gpt-4o): count the whole body at turn 50.
function conversation(turns) {
  return Array.from({ length: turns }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: english(1800) }));
}
const withoutCache = [];
const withCache = [];
let turn50Tokens = 0;
for (let c = 0; c < 5; c++) {
  const msgs = conversation(50);
  // Without cache: a fresh cache each time, so all 50 messages are tokenized.
  let t0 = performance.now();
  turn50Tokens = countChatRequest({ model: 'gpt-4o', messages: msgs }, new CountCache()).inputTokens;
  withoutCache.push(performance.now() - t0);
  // With cache: turns 1..49 were counted as the conversation grew; turn 50 adds one message.
  const cache = new CountCache();
  for (let t = 1; t < 50; t++) countChatRequest({ model: 'gpt-4o', messages: msgs.slice(0, t) }, cache);
  const msgs50 = conversation(50).slice(49);
  const body50 = { model: 'gpt-4o', messages: [...msgs.slice(0, 49), ...msgs50] };
  t0 = performance.now();
  countChatRequest(body50, cache);
  withCache.push(performance.now() - t0);
}
results.turn50 = {
  promptTokens: turn50Tokens,
  withoutCacheMs: +median(withoutCache).toFixed(2),
  withCacheMs: +median(withCache).toFixed(2),
};

// 3. One ~100k-token prompt: how long the synchronous count blocks the event loop, and the worst event-loop
// delay while the worker pool counts the same body.
const PROMPT_BYTES = 450_000;
const bigBodies = Array.from({ length: 4 }, () => ({ model: 'gpt-4o', messages: [{ role: 'user', content: english(PROMPT_BYTES) }] }));
const syncBlocks = [];
let bigTokens = 0;
for (const body of bigBodies.slice(0, 3)) {
  const t0 = performance.now();
  bigTokens = countChatRequest(body, new CountCache()).inputTokens;
  syncBlocks.push(performance.now() - t0);
}
// The pool gets the raw JSON bytes the proxy already holds; serialising here is not part of the measurement.
const pool = new TokenCountPool({ size: 1 });
await pool.count('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'warm' }] }));
const raws = bigBodies.map((b) => Buffer.from(JSON.stringify(b)));
const raw = raws[0];
const h = monitorEventLoopDelay({ resolution: 1 });
await new Promise((r) => setTimeout(r, 50));
h.enable();
const t0 = performance.now();
for (const b of raws.slice(1)) await pool.count('/v1/chat/completions', b);
const poolMs = (performance.now() - t0) / 3;
h.disable();
await pool.close();
results.prompt100k = {
  tokens: bigTokens,
  bodyBytes: raw.length,
  syncBlockMs: { median: +median(syncBlocks).toFixed(1), worst: +Math.max(...syncBlocks).toFixed(1) },
  workerPool: { wallMsPerPrompt: +poolMs.toFixed(1), worstEventLoopDelayMs: +(h.max / 1e6).toFixed(1), p99EventLoopDelayMs: +(h.percentile(99) / 1e6).toFixed(1) },
};

// 4. SSE meter: an OpenAI chat stream with injected include_usage, in 1 KiB chunks.
const fixtureBytes = readFileSync(new URL('../test/providers/fixtures/openai-chat-include-usage.sse', import.meta.url));
const stream = Buffer.concat(Array.from({ length: 2000 }, () => fixtureBytes.subarray(0, fixtureBytes.indexOf('data: [DONE]'))));
for (const injected of [false, true]) {
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const meter = new OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: injected });
    const s = performance.now();
    for (let i = 0; i < stream.length; i += 1024) meter.push(stream.subarray(i, i + 1024));
    meter.end();
    runs.push(stream.length / 1e6 / ((performance.now() - s) / 1000));
  }
  (results.sseMeterMBps ??= {})[injected ? 'injectedRewrite' : 'passThrough'] = +median(runs).toFixed(1);
}

console.log(`throughput (MB/s, median of 5 fresh ${SAMPLE}-byte samples):`);
for (const [k, v] of Object.entries(results.throughput)) console.log(`  ${k.padEnd(22)} ${String(v.MBps).padStart(6)} MB/s  ${v.bytesPerToken} bytes/token`);
console.log(`turn 50 (${results.turn50.promptTokens} tokens): without cache ${results.turn50.withoutCacheMs} ms, with cache ${results.turn50.withCacheMs} ms`);
console.log(`100k-token prompt (${results.prompt100k.tokens} tokens): sync block median ${results.prompt100k.syncBlockMs.median} ms, worst ${results.prompt100k.syncBlockMs.worst} ms; ` +
  `worker pool ${results.prompt100k.workerPool.wallMsPerPrompt} ms/prompt, worst event-loop delay ${results.prompt100k.workerPool.worstEventLoopDelayMs} ms`);
console.log(`SSE meter: pass-through ${results.sseMeterMBps.passThrough} MB/s, injected rewrite ${results.sseMeterMBps.injectedRewrite} MB/s`);
results.loadavgAfter = loadavg().map((x) => +x.toFixed(2));
console.log(`load average before ${results.loadavgBefore.join(' ')}, after ${results.loadavgAfter.join(' ')}`);
console.log(JSON.stringify(results));
