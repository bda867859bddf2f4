// Input-count CPU benchmark: run `npm run build` first, then `node bench/conversation.bench.mjs [runs]`
// (or `npm run bench -- conversation`). CPU time (process.cpuUsage: user + system, all threads, so the
// token-count worker's share is included), not wall time: the figures hold on a shared host.
//
// 1. A growing 40-turn chat conversation (each request the previous messages plus one of ~1.8 KB), one agent:
//    per turn, the CPU of JSON.parse of the body and of the input count, before (the per-message cache alone,
//    bodies of 32 KiB and more on the worker: the code before the per-agent cache) and after (InputCounter:
//    per-agent cache, worker only for large new text). Median per turn over `runs` conversations (default 15),
//    each with fresh caches and its own text.
// 2. Unique bodies (a ~2 KB system + user pair, both new every request: no cache can hit), and one repeated
//    body: CPU per request over batches of 400, median of 9 interleaved rounds.
// Prints the tables, then one JSON object.
import { Buffer } from 'node:buffer';
import { cpus, loadavg } from 'node:os';

const dist = new URL('../dist/', import.meta.url);
const { CountCache } = await import(new URL('tokens/count-cache.js', dist).href);
const { AgentCountCache } = await import(new URL('tokens/agent-count-cache.js', dist).href);
const { InputCounter, ASYNC_COUNT_THRESHOLD_BYTES } = await import(new URL('tokens/input-counter.js', dist).href);
const { countRequestInput } = await import(new URL('tokens/request-input.js', dist).href);
const { TokenCountPool } = await import(new URL('tokens/worker-pool.js', dist).href);

const runs = Number(process.argv[2] ?? 15);
const ROUTE = '/v1/chat/completions';
const TURNS = 40;
const SHOWN = [1, 10, 20, 30, 40];

let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const WORDS = ('the of and to in is that for it as was with be by on not this are or from at which but have an they you were ' +
  'budget token agent request allocation throughput latency stream provider usage estimate reconcile queue priority deadline ' +
  'productivity forecast window minute hour fleet proxy sidecar gateway model prompt completion reasoning cache conversation ' +
  'although however because therefore meanwhile significantly approximately measured observed reported configured').split(' ');
/** ~`chars` of English-like text; `salt` makes every run's text its own. */
function prose(chars, salt) {
  let s = `(${salt}) `;
  while (s.length < chars) {
    const n = 8 + Math.floor(rand() * 16);
    const w = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    s += w.join(' ') + (rand() < 0.15 ? `, item ${Math.floor(rand() * 1e6)}.\n\n` : '. ');
  }
  return s;
}

function cpuMicros(since) {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const pool = new TokenCountPool({ size: 1 });

/** The code before the per-agent cache: per-message cache, bodies of 32 KiB and more on the worker. */
function beforeCounter() {
  const cache = new CountCache();
  return {
    count: (route, body, _agent, raw) => (raw.byteLength >= ASYNC_COUNT_THRESHOLD_BYTES ? pool.count(route, raw) : countRequestInput(route, body, cache)),
  };
}
function afterCounter() {
  return new InputCounter({ pool, cache: new CountCache(), agents: new AgentCountCache() });
}

/** One request: parse and count its raw body, returning the CPU µs of each and the count. */
async function measure(counter, raw, agent) {
  const c0 = process.cpuUsage();
  const body = JSON.parse(raw.toString('utf8'));
  const parsed = cpuMicros(c0);
  const c1 = process.cpuUsage();
  const input = await counter.count(ROUTE, body, agent, raw);
  return { parse: parsed, count: cpuMicros(c1), tokens: input.inputTokens };
}

// Warm-up: JIT, the encoder's tables, the worker.
{
  const warm = afterCounter();
  const msgs = [];
  for (let t = 0; t < 25; t++) {
    msgs.push({ role: 'user', content: prose(1800, `warm${t}`) });
    const raw = Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: msgs }));
    await measure(warm, raw, 'warm');
    await measure(beforeCounter(), raw, 'warm');
  }
}

// 1. The growing conversation.
const perTurn = { before: [], after: [], parse: [] };
for (let i = 0; i < TURNS; i++) for (const k of Object.keys(perTurn)) perTurn[k].push([]);
const bodyBytes = [];
for (let r = 0; r < runs; r++) {
  // The same conversation through both, alternating which goes first.
  const turns = Array.from({ length: TURNS }, (_, t) => ({ role: t % 2 ? 'assistant' : 'user', content: prose(1800, `run${r} turn${t}`) }));
  const order = r % 2 ? ['after', 'before'] : ['before', 'after'];
  for (const mode of order) {
    const counter = mode === 'before' ? beforeCounter() : afterCounter();
    // A first request from another agent, so turn 1 does not pay for the fresh caches' first writes.
    await measure(counter, Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `hello ${r}` }] })), 'warm');
    for (let t = 0; t < TURNS; t++) {
      const raw = Buffer.from(JSON.stringify({ model: 'gpt-4o', max_tokens: 256, messages: turns.slice(0, t + 1) }));
      if (r === 0 && mode === order[0]) bodyBytes.push(raw.byteLength);
      const m = await measure(counter, raw, `agent-${r}`);
      perTurn[mode][t].push(m.count);
      perTurn.parse[t].push(m.parse);
    }
  }
}
const turnRows = SHOWN.map((t) => ({
  turn: t,
  bodyKiB: +(bodyBytes[t - 1] / 1024).toFixed(1),
  parseUs: Math.round(median(perTurn.parse[t - 1])),
  beforeUs: Math.round(median(perTurn.before[t - 1])),
  afterUs: Math.round(median(perTurn.after[t - 1])),
}));

// 2. Unique bodies, and one body repeated.
const BATCH = 400;
const ROUNDS = 9;
function uniqueBody(i) {
  return Buffer.from(JSON.stringify({ model: 'gpt-4o', max_tokens: 16, messages: [
    { role: 'system', content: prose(600, `sys${i}`) },
    { role: 'user', content: prose(1400, `user${i}`) },
  ] }));
}
let uniqueAt = 0;
const shapes = {
  unique: { before: [], after: [], next: () => uniqueBody(uniqueAt++) },
  repeated: { before: [], after: [], next: (() => { const b = uniqueBody(-1); return () => b; })() },
};
for (let round = 0; round < ROUNDS; round++) {
  for (const shape of Object.values(shapes)) {
    for (const mode of round % 2 ? ['after', 'before'] : ['before', 'after']) {
      const counter = mode === 'before' ? beforeCounter() : afterCounter();
      const bodies = Array.from({ length: BATCH }, () => shape.next());
      let total = 0;
      for (let i = 0; i < BATCH; i++) {
        const m = await measure(counter, bodies[i], `agent-${i % 50}`);
        total += m.parse + m.count;
      }
      shape[mode].push(total / BATCH);
    }
  }
}
const shapeRows = Object.entries(shapes).map(([name, s]) => ({ shape: name, beforeUs: Math.round(median(s.before)), afterUs: Math.round(median(s.after)) }));
await pool.close();

console.log(`\nGrowing ${TURNS}-turn conversation: CPU µs per request (median of ${runs} runs)`);
console.log('| Turn | body KiB | JSON.parse | count before | count after |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const r of turnRows) console.log(`| ${r.turn} | ${r.bodyKiB} | ${r.parseUs} | ${r.beforeUs} | ${r.afterUs} |`);
console.log(`\n~2 KB bodies: CPU µs per request, parse + count (batches of ${BATCH}, median of ${ROUNDS} rounds)`);
console.log('| Shape | before | after |');
console.log('| --- | ---: | ---: |');
for (const r of shapeRows) console.log(`| ${r.shape} | ${r.beforeUs} | ${r.afterUs} |`);
console.log(JSON.stringify({ node: process.version, cpus: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(2)), runs, turns: turnRows, bodies: shapeRows }));
