/**
 * `token-ninja demo`: the whole product on one machine — the mock provider, the proxy on an embedded
 * SQLite store in a temp dir, and a fleet of simulated agents sending real HTTP traffic — printing the
 * allocation table every tick as it shifts toward the productive agents, then a summary and a chart.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { AllocationsView } from '../admin/backend.js';
import { startProxyApp, type ProxyApp } from '../app/proxy-app.js';
import { loadConfig } from '../config/load.js';
import { startMockProvider, type MockProvider } from '../mock/index.js';
import { renderAllocationChart } from './chart.js';
import { DemoAgent, emptyStats, type AgentStats } from './demo-agent.js';
import { DEMO_FLEET, type DemoAgentProfile } from './fleet.js';
import { summarise, type DemoSummary } from './summary.js';
import { formatSummary, formatTick, type TickDelta } from './report.js';

export interface DemoOptions {
  seconds: number;
  tickSeconds: number;
  /** Where the SVG chart goes. */
  out: string;
  /** Pool shared by the fleet, tokens per minute. */
  tokensPerMinute?: number;
  fleet?: readonly DemoAgentProfile[];
  /** Where the demo prints (stdout by default). */
  write?: (text: string) => void;
}

/** One printed tick: each agent's allocation in tokens per minute. */
export interface DemoTick {
  t: number;
  tick: number;
  allocations: Record<string, number>;
}

export interface DemoResult {
  ticks: DemoTick[];
  /** Each agent's allocation (tokens/min) in the first table that listed it, and in the last. */
  firstAllocation: Record<string, number>;
  finalAllocation: Record<string, number>;
  stats: Record<string, AgentStats>;
  summary: DemoSummary;
  chartPath: string;
  statusUrl: string;
}

const USAGE = `Usage: token-ninja demo [--seconds N] [--tick-seconds N] [--out chart.svg]
  --seconds N        length of the run (default 60)
  --tick-seconds N   reallocation tick (default 2)
  --out PATH         where to write the SVG chart (default ./token-ninja-demo.svg)
`;

/** Parses the demo's flags; a string is an error message. */
export function parseDemoFlags(argv: readonly string[]): DemoOptions | string | 'help' {
  const options: DemoOptions = { seconds: 60, tickSeconds: 2, out: 'token-ninja-demo.svg' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') return 'help';
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) return `${name} needs a value`;
    if (name === '--out') {
      options.out = value;
      continue;
    }
    const n = Number(value);
    if (name === '--seconds') {
      if (!(n >= 3 && n <= 3600)) return '--seconds must be a number from 3 to 3600';
      options.seconds = n;
    } else if (name === '--tick-seconds') {
      if (!(n >= 0.2 && n <= 60)) return '--tick-seconds must be a number from 0.2 to 60';
      options.tickSeconds = n;
    } else return `unknown flag ${name}`;
  }
  return options;
}

/** `token-ninja demo [--seconds N] [--tick-seconds N] [--out PATH]`; resolves to the exit code. */
export async function demoCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseDemoFlags(argv);
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`token-ninja demo: ${parsed}\n${USAGE}`);
    return 2;
  }
  await runDemo(parsed);
  return 0;
}

/** Runs the demo end to end and returns what it saw. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const write = options.write ?? ((s: string) => void process.stdout.write(s));
  const fleet = options.fleet ?? DEMO_FLEET;
  const tickSeconds = options.tickSeconds;
  const dir = await mkdtemp(join(tmpdir(), 'token-ninja-demo-'));
  const adminToken = randomBytes(12).toString('hex');
  let mock: MockProvider | undefined;
  let app: ProxyApp | undefined;
  let client: Pool | undefined;
  try {
    // Replies take a little time and stream in a few chunks, like a fast real model.
    mock = await startMockProvider({ behaviour: { latencyMs: 15, outputTokens: 1000, chunks: 4, chunkMs: 5, rateLimitHeaders: false }, maxRecorded: 0 });
    const config = loadConfig({
      argv: ['--config', 'demo.yaml'],
      env: {},
      readFile: () =>
        JSON.stringify({
          port: 0,
          adminPort: 0,
          host: '127.0.0.1',
          openaiUrl: mock!.url,
          anthropicUrl: mock!.url,
          store: `sqlite:${join(dir, 'token-ninja.db')}`,
          storeFlushMs: 200,
          adminToken,
          tokensPerMinute: options.tokensPerMinute ?? 600_000,
          reallocateSeconds: tickSeconds,
          logLevel: 'warn',
          // Calibration scaled down to the demo's minute (the defaults want 10 minutes of history).
          calibration: { minTasks: 2, minTokens: 500, minSeconds: Math.max(1, 2 * tickSeconds) },
          queue: { maxWaitMs: Math.round(Math.min(1000, tickSeconds * 250)), maxDepth: 1000 },
          burst: { minPriority: 'high', minFraction: 0.05, maxFraction: 0.15, volatilityMultiplier: 1 },
        }),
    });
    app = await startProxyApp(config);
    const statusUrl = `${app.adminUrl}/`;
    write(
      [
        'Token Ninja demo — mock provider, proxy and a simulated fleet, all on this machine.',
        `  status page: ${statusUrl}   (admin token: ${adminToken})`,
        `  agents' port: ${app.url}   store: SQLite in a temp dir   pool: ${fmtInt(config.tokensPerMinute)} tokens/min   tick: ${tickSeconds}s   run: ${options.seconds}s`,
        '  fleet:',
        ...fleet.map((p) => `    ${p.id.padEnd(11)} ${p.priority.padEnd(8)} ${p.role}`),
        '',
      ].join('\n') + '\n',
    );

    client = new Pool(app.url, { connections: 64, pipelining: 1 });
    const started = Date.now();
    const elapsedMs = () => Date.now() - started;
    const stop = new AbortController();
    // Every in-flight request and pause listens on the one run-wide signal.
    setMaxListeners(0, stop.signal);
    const agents = fleet.map((profile) => new DemoAgent({ profile, client: client!, seconds: options.seconds, elapsedMs, signal: stop.signal }));
    const runs = agents.map((a) => a.run());

    const ticks: DemoTick[] = [];
    const firstAllocation: Record<string, number> = {};
    const previous = new Map<string, AgentStats>(fleet.map((p) => [p.id, emptyStats()]));
    let lastTick = -1;
    const adminHeaders = { authorization: `Bearer ${adminToken}` };
    const poll = async (): Promise<AllocationsView | undefined> => {
      const res = await fetch(`${app!.adminUrl}/v1/allocations`, { headers: adminHeaders });
      return res.ok ? ((await res.json()) as AllocationsView) : undefined;
    };
    const record = (view: AllocationsView) => {
      const t = elapsedMs() / 1000;
      const allocations: Record<string, number> = {};
      for (const row of view.agents) {
        allocations[row.agent] = row.tokensPerMinute;
        firstAllocation[row.agent] ??= row.tokensPerMinute;
      }
      ticks.push({ t, tick: view.tick, allocations });
      const deltas: TickDelta[] = agents.map((a) => {
        const prev = previous.get(a.profile.id)!;
        const now = { ...a.stats };
        previous.set(a.profile.id, now);
        return { agent: a.profile.id, priority: a.profile.priority, ok: now.ok - prev.ok, rejected: now.rejected - prev.rejected, burst: now.burst - prev.burst, queued: now.queued - prev.queued, tasks: now.tasks };
      });
      write(formatTick(view, ticks.length, t, deltas));
    };

    // Print every table as the reallocator publishes it (ticks are aligned to the wall clock).
    const pollMs = Math.max(100, tickSeconds * 250);
    while (elapsedMs() < options.seconds * 1000) {
      await sleep(Math.min(pollMs, Math.max(1, options.seconds * 1000 - elapsedMs())));
      const view = await poll();
      if (view !== undefined && view.tick !== lastTick) {
        lastTick = view.tick;
        record(view);
      }
    }
    stop.abort();
    const finalStats = await Promise.all(runs);
    const finalView = await poll();
    const finalAllocation: Record<string, number> = {};
    for (const row of finalView?.agents ?? []) finalAllocation[row.agent] = row.tokensPerMinute;

    const stats: Record<string, AgentStats> = {};
    fleet.forEach((p, i) => (stats[p.id] = finalStats[i]!));
    const summary = summarise(
      fleet.map((p, i) => ({
        agent: p.id,
        stats: finalStats[i]!,
        activeSeconds: finalStats[i]!.activeFrom === undefined ? 0 : (finalStats[i]!.activeTo ?? options.seconds) - finalStats[i]!.activeFrom!,
      })),
    );
    const chartPath = resolve(options.out);
    const svg = renderAllocationChart(
      fleet.map((p) => ({
        agent: `${p.id} (${p.kind})`,
        dashed: p.kind === 'wasteful',
        points: ticks.filter((t) => t.allocations[p.id] !== undefined).map((t) => ({ t: t.t, value: t.allocations[p.id]! })),
      })),
      { title: `Token Ninja demo: allocation per agent (pool ${fmtInt(config.tokensPerMinute)} tokens/min, ${tickSeconds}s tick)`, seconds: options.seconds },
    );
    await writeFile(chartPath, svg);
    write(formatSummary(summary, firstAllocation, finalAllocation));
    write(`\nChart of allocations over time: ${chartPath}\n`);
    return { ticks, firstAllocation, finalAllocation, stats, summary, chartPath, statusUrl };
  } finally {
    await client?.close().catch(() => undefined);
    await app?.stop(2000);
    await mock?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
