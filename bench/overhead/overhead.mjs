// Proxy overhead, side by side in one run: direct to the mock provider, through the bare undici
// pass-through (bench/bare-proxy.mjs) and through Token Ninja (dist/), each server in its own child
// process; autocannon drives the load from this process. autocannon's own latency histogram has 1 ms
// resolution, so latencies are taken from its per-response hook (fractional ms) and percentiled here.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Client } from 'undici';

const here = new URL('./', import.meta.url);

/** ~2 KB chat request; `nonce` makes every message differ (no count-cache hits). */
export function chatBody({ stream, nonce = '' }) {
  const system = `${nonce}You are a careful senior engineer. Answer briefly, cite the file and line you rely on, and say when unsure.`;
  const user =
    `${nonce}Here is the failing test output and the function under test. ` +
    'The retry loop in fetchWithBackoff gives up after the first 503 although maxAttempts is 5; the jitter is computed '.repeat(14) +
    'What is wrong?';
  const body = { model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'system', content: system }, { role: 'user', content: user }] };
  if (stream) body.stream = true;
  return JSON.stringify(body);
}

async function startChild(script, args = [], execArgv = []) {
  const child = fork(new URL(script, here), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const [msg] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${script} exited with ${code} before it listened`);
    }),
  ]);
  return { url: msg.url, child };
}

async function stopChild(child) {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One autocannon measurement: req/s and p50/p99 latency in ms (fractional). */
async function load(url, { connections, seconds, stream, unique }) {
  const latencies = [];
  let counter = 0;
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench', 'x-token-ninja-agent': 'bench' };
  const fixed = chatBody({ stream });
  const opts = {
    url: `${url}/v1/chat/completions`,
    connections,
    duration: seconds,
    method: 'POST',
    headers,
    body: fixed,
  };
  if (unique) {
    opts.requests = [{ method: 'POST', setupRequest: (req) => ({ ...req, body: chatBody({ stream, nonce: `[${process.pid}-${counter++}] ` }) }) }];
  }
  const instance = autocannon(opts);
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await instance;
  return {
    rps: result.requests.average,
    total: result.requests.total,
    latencies,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Time to the first byte of an SSE body, sequential requests on one connection. */
async function firstByte(url, requests) {
  const client = new Client(url, { pipelining: 1 });
  const body = chatBody({ stream: true });
  const times = [];
  try {
    for (let i = 0; i < requests + 50; i++) {
      const start = performance.now();
      const res = await client.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'bench' }, body });
      let first;
      for await (const chunk of res.body) {
        first ??= performance.now();
        void chunk;
      }
      if (res.statusCode !== 200) throw new Error(`first-byte: status ${res.statusCode}`);
      if (i >= 50) times.push(first - start); // the first 50 warm up
    }
  } finally {
    await client.close();
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/**
 * Runs the whole overhead matrix. `seconds` per measurement; a 1 s warm-up precedes each target's first
 * run at each shape. Returns raw figures and the derived ratios.
 */
export async function runOverhead({ seconds = 6, log = (s) => process.stdout.write(s), cpuProf } = {}) {
  const mock = await startChild('mock-server.mjs');
  const bare = await startChild('../bare-proxy.mjs', [mock.url]);
  const tnArgv = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [];
  const tn = await startChild('token-ninja-server.mjs', [mock.url], tnArgv);
  const targets = { direct: mock.url, bare: bare.url, tokenNinja: tn.url };
  const shapes = [
    { name: 'json c8', connections: 8, stream: false, unique: false },
    { name: 'json c64', connections: 64, stream: false, unique: false },
    { name: 'sse c8', connections: 8, stream: true, unique: false },
    { name: 'sse c64', connections: 64, stream: true, unique: false },
    { name: 'json c64 unique bodies', connections: 64, stream: false, unique: true },
  ];
  const rows = [];
  const pids = { direct: mock.child.pid, bare: bare.child.pid, tokenNinja: tn.child.pid };
  // The host is shared: each shape is measured in ROUNDS interleaved rounds (direct, bare, Token Ninja,
  // direct, …) so that drifting background load hits all three alike; req/s is the median of the rounds,
  // latencies are pooled, and the server's CPU time per request is read from /proc around each round.
  const ROUNDS = 3;
  try {
    for (const shape of shapes) {
      const row = { shape: shape.name, connections: shape.connections };
      const acc = {};
      for (const name of Object.keys(targets)) {
        await load(targets[name], { ...shape, seconds: 1 }); // warm-up: JIT, pools, count cache
        acc[name] = { rps: [], latencies: [], total: 0, non2xx: 0, errors: 0, cpu: 0 };
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, url] of Object.entries(targets)) {
          const cpu0 = cpuSeconds(pids[name]);
          const r = await load(url, { ...shape, seconds: Math.max(1, seconds / ROUNDS) });
          const a = acc[name];
          a.cpu += cpuSeconds(pids[name]) - cpu0;
          a.rps.push(r.rps);
          for (const l of r.latencies) a.latencies.push(l);
          a.total += r.total;
          a.non2xx += r.non2xx;
          a.errors += r.errors;
        }
      }
      for (const [name, a] of Object.entries(acc)) {
        a.latencies.sort((x, y) => x - y);
        row[name] = {
          rps: [...a.rps].sort((x, y) => x - y)[Math.floor(a.rps.length / 2)],
          p50: percentile(a.latencies, 50),
          p99: percentile(a.latencies, 99),
          cpuUsPerRequest: (a.cpu / a.total) * 1e6,
          total: a.total,
          non2xx: a.non2xx,
          errors: a.errors,
        };
        const x = row[name];
        log(`  ${shape.name.padEnd(24)} ${name.padEnd(10)} ${Math.round(x.rps).toString().padStart(6)} req/s  p50 ${x.p50.toFixed(2)} ms  p99 ${x.p99.toFixed(2)} ms  server CPU ${x.cpuUsPerRequest.toFixed(0)} µs/req${x.non2xx || x.errors ? `  (non-2xx ${x.non2xx}, errors ${x.errors})` : ''}\n`);
      }
      rows.push(row);
    }
    const ttfb = {};
    for (const [name, url] of Object.entries(targets)) {
      ttfb[name] = await firstByte(url, 1000);
      log(`  first SSE byte, sequential  ${name.padEnd(10)} p50 ${ttfb[name].p50.toFixed(3)} ms  p99 ${ttfb[name].p99.toFixed(3)} ms\n`);
    }
    return { rows, ttfb };
  } finally {
    await stopChild(tn.child);
    await stopChild(bare.child);
    await stopChild(mock.child);
  }
}

/** The issue's targets, judged on one run's figures. */
export function judge({ rows, ttfb }) {
  const by = (name) => rows.find((r) => r.shape === name);
  const c8 = by('json c8');
  const c64 = by('json c64');
  const u64 = by('json c64 unique bodies');
  const s8 = by('sse c8');
  return [
    { target: 'added p50 latency over direct at 8 connections (JSON) < 0.5 ms', value: c8.tokenNinja.p50 - c8.direct.p50, unit: 'ms', met: c8.tokenNinja.p50 - c8.direct.p50 < 0.5 },
    { target: 'added p99 latency over direct at 8 connections (JSON) < 2 ms', value: c8.tokenNinja.p99 - c8.direct.p99, unit: 'ms', met: c8.tokenNinja.p99 - c8.direct.p99 < 2 },
    { target: 'added p50 latency over direct at 8 connections (SSE) < 0.5 ms', value: s8.tokenNinja.p50 - s8.direct.p50, unit: 'ms', met: s8.tokenNinja.p50 - s8.direct.p50 < 0.5 },
    { target: 'throughput at 64 connections ≥ 0.7× bare pass-through (JSON)', value: c64.tokenNinja.rps / c64.bare.rps, unit: '×', met: c64.tokenNinja.rps / c64.bare.rps >= 0.7 },
    { target: 'added time to first SSE byte over direct < 1 ms', value: ttfb.tokenNinja.p50 - ttfb.direct.p50, unit: 'ms', met: ttfb.tokenNinja.p50 - ttfb.direct.p50 < 1 },
    { target: 'unique bodies (no count-cache hits): throughput at 64 connections ≥ 0.6× bare', value: u64.tokenNinja.rps / u64.bare.rps, unit: '×', met: u64.tokenNinja.rps / u64.bare.rps >= 0.6 },
  ];
}
