// SSE meter CPU benchmark: run `npm run build` first, then `node bench/sse-meter.bench.mjs [rounds]`
// (or `npm run bench -- sse-meter`; add `node --cpu-prof` for a profile). BEFORE_DIST=<dist dir> adds a
// "before" column: that build's meters measured in this process, batches alternating with this build's.
// CPU time per metered stream (process.cpuUsage), not wall time: the figures hold on a shared host. Streams:
// an OpenAI chat completion of 20 content chunks (the wrk harness's shape) with its role, finish and usage
// chunks and [DONE], metered with injected usage (events rewritten) and with the client's own include_usage
// (pass-through); an Anthropic message of 20 deltas. One network chunk per event; the streamed output is not
// tokenized (usage arrives). Median of `rounds` (default 7) batches of 2,000 streams.
import { Buffer } from 'node:buffer';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';

// BEFORE_DIST: another build's dist directory (e.g. the commit before a change), measured in the same process,
// its batches interleaved with this build's, as a "before" column.
const builds = { after: new URL('../dist/', import.meta.url) };
if (process.env.BEFORE_DIST) builds.before = pathToFileURL(`${process.env.BEFORE_DIST}/`);
const meters = {};
for (const [build, dist] of Object.entries(builds)) {
  meters[build] = {
    OpenAIStreamMeter: (await import(new URL('providers/openai/stream-meter.js', dist).href)).OpenAIStreamMeter,
    AnthropicStreamMeter: (await import(new URL('providers/anthropic/stream-meter.js', dist).href)).AnthropicStreamMeter,
  };
}

const rounds = Number(process.argv[2] ?? 7);
const BATCH = 2000;
const WORDS = ['Hello', ' there', ',', ' the', ' budget', ' for', ' this', ' agent', ' is', ' fine', '.', ' Ça', ' va', ' "quoted"', ' \\n'];

function openaiStream() {
  const head = '{"id":"chatcmpl-BkQ3fZ7wX2Lx9aTnV0ePqRsUyK1mD","object":"chat.completion.chunk","created":1750339117,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_34a54ae93c","choices":';
  const events = [`${head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`];
  for (let i = 0; i < 20; i++) events.push(`${head}[{"index":0,"delta":{"content":${JSON.stringify(WORDS[i % WORDS.length])}},"logprobs":null,"finish_reason":null}],"usage":null}`);
  events.push(`${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`);
  events.push(`${head}[],"usage":{"prompt_tokens":19,"completion_tokens":21,"total_tokens":40,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`);
  events.push('[DONE]');
  return events.map((e) => Buffer.from(`data: ${e}\n\n`));
}

function anthropicStream() {
  const ev = (type, data) => Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const out = [
    ev('message_start', { message: { id: 'msg_01XFDUDYJgAACzvnptvVoYEL', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-20250514', stop_reason: null, stop_sequence: null, usage: { input_tokens: 472, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 2 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping', {}),
  ];
  for (let i = 0; i < 20; i++) out.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: WORDS[i % WORDS.length] } }));
  out.push(ev('content_block_stop', { index: 0 }));
  out.push(ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 21 } }));
  out.push(ev('message_stop', {}));
  return out;
}

const openaiChunks = openaiStream();
const anthropicChunks = anthropicStream();
const shapes = {
  'OpenAI chat, injected usage (rewritten)': (m) => new m.OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: true }),
  'OpenAI chat, client asked for usage (pass-through)': (m) => new m.OpenAIStreamMeter({ route: '/v1/chat/completions', model: 'gpt-4o-mini', injectedUsage: false }),
  'Anthropic messages': (m) => new m.AnthropicStreamMeter(),
};
const chunksOf = (name) => (name.startsWith('Anthropic') ? anthropicChunks : openaiChunks);

let sink = 0;
function runStream(make, m, chunks) {
  const meter = make(m);
  for (const c of chunks) sink += meter.push(c).length;
  sink += meter.end().length;
  if (!meter.completed() || meter.usage().outputTokens !== 21) throw new Error('meter did not read the usage');
}

const cpu = {};
for (const build of Object.keys(meters)) cpu[build] = Object.fromEntries(Object.keys(shapes).map((k) => [k, []]));
for (let r = -1; r < rounds; r++) {
  for (const [name, make] of Object.entries(shapes)) {
    const chunks = chunksOf(name);
    const order = r % 2 ? Object.keys(meters).reverse() : Object.keys(meters);
    for (const build of order) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < BATCH; i++) runStream(make, meters[build], chunks);
      const d = process.cpuUsage(c0);
      // Round -1 warms the JIT.
      if (r >= 0) cpu[build][name].push((d.user + d.system) / BATCH);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const us = (xs) => +median(xs).toFixed(1);
const rows = Object.keys(shapes).map((shape) => ({ shape, events: chunksOf(shape).length, afterUs: us(cpu.after[shape]), beforeUs: cpu.before ? us(cpu.before[shape]) : undefined }));
console.log(`\nSSE meter CPU, µs per stream (median of ${rounds} batches of ${BATCH} streams)`);
console.log(cpu.before ? '| Stream | events | before | after | after/before |' : '| Stream | events | µs per stream |');
console.log(cpu.before ? '| --- | ---: | ---: | ---: | ---: |' : '| --- | ---: | ---: |');
for (const r of rows) console.log(cpu.before ? `| ${r.shape} | ${r.events} | ${r.beforeUs} | ${r.afterUs} | ${(r.afterUs / r.beforeUs).toFixed(2)} |` : `| ${r.shape} | ${r.events} | ${r.afterUs} |`);
console.log(JSON.stringify({ node: process.version, cpus: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(2)), rounds, rows, sink: sink > 0 }));
