// CPU profile of Token Ninja under load: `node bench/overhead/profile.mjs [DIR] [--stream] [--unique]`
// (after `npm run build`). Runs the mock and Token Ninja (with --cpu-prof) in child processes, drives
// 64 connections for 10 s, then prints the top functions by self time from the .cpuprofile written to DIR.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { chatBody } from './overhead.mjs';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? 'bench-profile';
const stream = args.includes('--stream');
const unique = args.includes('--unique');
const here = new URL('./', import.meta.url);

async function start(script, scriptArgs = [], execArgv = []) {
  const child = fork(new URL(script, here), scriptArgs, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [msg] = await once(child, 'message');
  return { child, url: msg.url };
}

const mock = await start('mock-server.mjs');
const tn = await start('token-ninja-server.mjs', [mock.url], ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
let n = 0;
const opts = { url: `${tn.url}/v1/chat/completions`, connections: 64, duration: 10, method: 'POST', headers: { 'content-type': 'application/json', 'x-token-ninja-agent': 'bench' }, body: chatBody({ stream }) };
if (unique) opts.requests = [{ method: 'POST', setupRequest: (req) => ({ ...req, body: chatBody({ stream, nonce: `[${n++}] ` }) }) }];
const r = await autocannon(opts);
process.stdout.write(`Token Ninja, 64 connections, ${stream ? 'SSE' : 'JSON'}${unique ? ', unique bodies' : ''}: ${Math.round(r.requests.average)} req/s (non-2xx ${r.non2xx})\n`);
tn.child.kill('SIGTERM');
await once(tn.child, 'exit');
mock.child.kill('SIGTERM');

// One profile per thread (the main thread and the token-count worker): take the busiest.
const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
let profile;
let busiest = -1;
for (const f of files) {
  const p = JSON.parse(await readFile(join(dir, f), 'utf8'));
  const idleIds = new Set(p.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  const busy = p.samples.reduce((s, id, i) => s + (idleIds.has(id) ? 0 : (p.timeDeltas[i] ?? 0)), 0);
  if (busy > busiest) [busiest, profile] = [busy, p];
}
const self = new Map();
const dt = profile.timeDeltas;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const hits = new Map();
profile.samples.forEach((id, i) => hits.set(id, (hits.get(id) ?? 0) + (dt[i] ?? 0)));
let total = 0;
for (const [id, us] of hits) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + us);
  total += us;
}
const byFile = new Map();
for (const [key, us] of self) {
  const file = key.split(' ').slice(1).join(' ').replace(/:\d+$/, '').replace(/^(node:[a-z_/]+|[^/]+\/[^/]+).*$/, '$1');
  byFile.set(file, (byFile.get(file) ?? 0) + us);
}
process.stdout.write(`\nTop functions by self time (of ${(total / 1e6).toFixed(1)} s sampled):\n`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) process.stdout.write(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}\n`);
process.stdout.write('\nBy module:\n');
for (const [file, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${file || '(native)'}\n`);
