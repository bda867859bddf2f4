// `npm run bench [-- NAME ...] [--seconds N] [--cpu-prof DIR]`: the benchmarks, by name —
// overhead, tokenizer, conversation, sse-meter, tick, admission, memory (default: all), and overhead-wrk (only when named: the wrk
// harness through bench/overhead-wrk.sh, which needs BENCH_HARNESS). Needs `npm run build` first (the npm script
// does it). Each benchmark's own script runs as a child process; the overhead benchmark's load generator
// runs here, with the mock, the bare pass-through and Token Ninja each in a child of their own.
// Writes bench/last-run.json and bench/last-run.md (the tables) and prints them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { judge, runOverhead } from './overhead/overhead.mjs';

const NAMES = ['overhead', 'tokenizer', 'conversation', 'sse-meter', 'tick', 'admission', 'memory', 'overhead-wrk'];
const here = new URL('./', import.meta.url);
const args = process.argv.slice(2);
const selected = [];
let seconds = 6;
let cpuProf;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seconds') seconds = Number(args[++i]);
  else if (args[i] === '--cpu-prof') cpuProf = args[++i];
  else if (NAMES.includes(args[i])) selected.push(args[i]);
  else {
    process.stderr.write(`unknown benchmark or flag: ${args[i]} (benchmarks: ${NAMES.join(', ')}; flags: --seconds N, --cpu-prof DIR)\n`);
    process.exit(2);
  }
}
const run = selected.length > 0 ? selected : NAMES.filter((n) => n !== 'overhead-wrk');

function nproc() {
  try {
    return execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    return String(cpus().length);
  }
}
const machine = { nproc: nproc(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, date: new Date().toISOString().slice(0, 10) };

/** Runs a script as a child process, passing its output through; resolves with its stdout. */
function child(script, execArgv = [], scriptArgs = []) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...execArgv, fileURLToPath(new URL(script, here)), ...scriptArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited with ${code}`))));
  });
}

function lastJson(text) {
  const line = text.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  try {
    return line ? JSON.parse(line) : undefined;
  } catch {
    return undefined;
  }
}

const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const results = { machine, seconds };
const md = [`Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}, ${machine.date}.`, ''];
const started = Date.now();

for (const name of run) {
  process.stdout.write(`\n== ${name} ==\n`);
  try {
    if (name === 'overhead') {
      const o = await runOverhead({ seconds, cpuProf });
      const targets = judge(o);
      results.overhead = { ...o, targets };
      md.push(`### Proxy overhead (${seconds} s per measurement in 3 interleaved rounds, 1 s warm-up)`, '');
      md.push('| Shape | direct req/s | bare req/s | Token Ninja req/s | TN/bare | TN/direct | p50 direct / bare / TN (ms) | p99 direct / bare / TN (ms) | added p50 vs direct / bare (ms) | server CPU µs/req direct / bare / TN |');
      md.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const r of o.rows) {
        const { direct: d, bare: b, tokenNinja: t } = r;
        md.push(
          `| ${r.shape} | ${Math.round(d.rps)} | ${Math.round(b.rps)} | ${Math.round(t.rps)} | ${f(t.rps / b.rps)}× | ${f(t.rps / d.rps)}× | ${f(d.p50)} / ${f(b.p50)} / ${f(t.p50)} | ${f(d.p99)} / ${f(b.p99)} / ${f(t.p99)} | ${f(t.p50 - d.p50)} / ${f(t.p50 - b.p50)} | ${f(d.cpuUsPerRequest, 0)} / ${f(b.cpuUsPerRequest, 0)} / ${f(t.cpuUsPerRequest, 0)} |`,
        );
      }
      const tt = o.ttfb;
      md.push('', `Time to first SSE byte (sequential, 1,000 requests): p50 direct ${f(tt.direct.p50, 3)} ms, bare ${f(tt.bare.p50, 3)} ms, Token Ninja ${f(tt.tokenNinja.p50, 3)} ms; p99 ${f(tt.direct.p99, 3)} / ${f(tt.bare.p99, 3)} / ${f(tt.tokenNinja.p99, 3)} ms.`, '');
      md.push('| Target | This run | Met |', '| --- | ---: | :---: |');
      for (const t of targets) md.push(`| ${t.target} | ${f(t.value)} ${t.unit} | ${t.met ? 'yes' : 'no'} |`);
      md.push('');
    } else if (name === 'overhead-wrk') {
      await new Promise((resolve, reject) => {
        const p = spawn('bash', [fileURLToPath(new URL('overhead-wrk.sh', here))], { stdio: 'inherit' });
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`overhead-wrk.sh exited with ${code}`))));
      });
      results[name] = 'done';
      md.push('### overhead-wrk', '', 'The harness printed its table above (and under its OUT_DIR).', '');
    } else if (name === 'memory') {
      const out = await child('memory.bench.mjs', ['--expose-gc'], ['100000']);
      const m = lastJson(out);
      results.memory = m;
      if (m) {
        md.push('### Memory per tracked agent (100k agents)', '');
        md.push('| Measure | bytes per agent |', '| --- | ---: |');
        md.push(`| Hot path: ledger/admission, accountant, hints, store, metrics | ${m.hotPathBytesPerAgent} |`);
        md.push(`| Plus the allocation table (one reallocation) | ${m.withTableBytesPerAgent} |`);
        md.push(`| After four more ticks (history, previous tables collected) | ${m.afterTicksBytesPerAgent} |`);
        md.push(`| Each further tick of status-page history | ${m.historyBytesPerAgentPerTick} |`);
        md.push(`| Projected with a full history (240 ticks) | ${m.projectedFullHistoryBytesPerAgent} |`, '');
        if (m.laterTickMs) md.push(`Four later ticks: ${m.laterTickMs.join(', ')} ms each; longest event-loop stall in each: ${m.laterTickStallMs.join(', ')} ms.`, '');
      }
    } else {
      const script = `${name}.bench.mjs`;
      if (!existsSync(new URL(script, here))) {
        process.stdout.write(`(bench/${script} is not there yet: skipped)\n`);
        results[name] = 'missing';
        continue;
      }
      results[name] = lastJson(await child(script)) ?? 'done';
      md.push(`### ${name}`, '', `See bench/RESULTS.md; raw figures in bench/last-run.json.`, '');
    }
  } catch (err) {
    process.stderr.write(`${name} failed: ${err.message}\n`);
    results[name] = { error: err.message };
    process.exitCode = 1;
  }
}

results.totalSeconds = Math.round((Date.now() - started) / 1000);
md.push(`Whole run: ${results.totalSeconds} s.`);
await writeFile(new URL('last-run.json', here), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(new URL('last-run.md', here), `${md.join('\n')}\n`);
process.stdout.write(`\n${md.join('\n')}\n\n(written to bench/last-run.md and bench/last-run.json)\n`);
