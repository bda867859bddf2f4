/**
 * One simulated agent driving real HTTP traffic through the proxy: chat completions under its own
 * `/agents/{id}/` prefix, hint headers, backing off on 429 as the SDKs do, and reporting each finished
 * task with `POST /token-ninja/v1/tasks`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { DemoAgentProfile } from './fleet.js';

/** What one agent saw, counted client-side. */
export interface AgentStats {
  requests: number;
  ok: number;
  /** 429s. */
  rejected: number;
  /** Served from the burst buffer (`x-token-ninja-source: burst`). */
  burst: number;
  /** Waited in the queue before being served (`x-token-ninja-queued-ms`). */
  queued: number;
  errors: number;
  /** Tokens the provider reported for served requests. */
  tokens: number;
  /** What every attempt asked for (prompt estimate plus max_tokens), served or not. */
  askedTokens: number;
  tasks: number;
  qualitySum: number;
  /** Seconds into the run when it started and stopped sending. */
  activeFrom?: number;
  activeTo?: number;
}

export function emptyStats(): AgentStats {
  return { requests: 0, ok: 0, rejected: 0, burst: 0, queued: 0, errors: 0, tokens: 0, askedTokens: 0, tasks: 0, qualitySum: 0 };
}

export interface DemoAgentOptions {
  profile: DemoAgentProfile;
  /** A dispatcher bound to the proxy's agents' port. */
  client: Dispatcher;
  /** Length of the run, seconds (joins and bursts are placed as fractions of it). */
  seconds: number;
  /** ms since the run started. */
  elapsedMs: () => number;
  signal: AbortSignal;
}

const FILLER =
  'The service returns intermittent 500s under load; logs show connection resets from the pool. Trace the request path, find the resource that runs out, propose a patch and a test. ';

/** A deterministic jitter in [-1, 1) from a counter, so runs are comparable without a shared PRNG. */
function jitter(n: number): number {
  const x = Math.sin(n * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/** Runs the agent until `signal` aborts; resolves with what it saw. */
export class DemoAgent {
  readonly stats = emptyStats();
  private taskSeq = 0;
  private taskId: string;
  private taskStartedMs = 0;
  private doneInTask = 0;
  private sent = 0;

  constructor(private readonly opts: DemoAgentOptions) {
    this.taskId = this.nextTaskId();
  }

  get profile(): DemoAgentProfile {
    return this.opts.profile;
  }

  async run(): Promise<AgentStats> {
    const { profile, seconds } = this.opts;
    const joinMs = (profile.joinAt ?? 0) * seconds * 1000;
    if (joinMs > 0 && !(await this.pause(joinMs - this.opts.elapsedMs()))) return this.stats;
    this.stats.activeFrom = this.opts.elapsedMs() / 1000;
    this.taskStartedMs = this.opts.elapsedMs();
    const loops: Array<Promise<void>> = [];
    for (let i = 0; i < profile.concurrency; i++) loops.push(this.steadyLoop());
    if (profile.burst) loops.push(this.burstLoop(profile.burst));
    await Promise.all(loops);
    this.stats.activeTo = Math.min(seconds, this.opts.elapsedMs() / 1000);
    return this.stats;
  }

  private async steadyLoop(): Promise<void> {
    while (!this.opts.signal.aborted) {
      const waitMs = await this.once();
      if (!(await this.pause(waitMs + this.opts.profile.thinkMs))) return;
    }
  }

  private async burstLoop(burst: { everyFraction: number; requests: number }): Promise<void> {
    const everyMs = Math.max(500, burst.everyFraction * this.opts.seconds * 1000);
    // The first burst comes a little after the start so the table has calibrated agents to draw against.
    let next = everyMs * 0.75;
    while (!this.opts.signal.aborted) {
      if (!(await this.pause(next - this.opts.elapsedMs()))) return;
      await Promise.all(Array.from({ length: burst.requests }, () => this.once()));
      next += everyMs;
    }
  }

  /** One request; resolves with how long to back off before the next (0 when it was served). */
  private async once(): Promise<number> {
    const { profile, client, signal } = this.opts;
    const n = this.sent++;
    const body = this.body(n);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: 'Bearer sk-demo-not-a-real-key',
      'x-token-ninja-priority': profile.priority,
      'x-token-ninja-task': this.taskId,
    };
    if (profile.deadlineSeconds !== undefined) {
      headers['x-token-ninja-deadline'] = new Date(Date.now() + Math.max(1000, this.taskStartedMs + profile.deadlineSeconds * 1000 - this.opts.elapsedMs())).toISOString();
    }
    this.stats.requests += 1;
    this.stats.askedTokens += Math.ceil(body.length / 4) + profile.maxTokens;
    try {
      const res = await client.request({ method: 'POST', path: `/agents/${profile.id}/v1/chat/completions`, headers, body, signal });
      const text = await res.body.text();
      if (res.statusCode === 429) {
        this.stats.rejected += 1;
        const ms = Number(res.headers['retry-after-ms'] ?? Number(res.headers['retry-after'] ?? 1) * 1000);
        // Back off as an SDK would, but bounded so the demo keeps pressure on the pool.
        return Math.min(Number.isFinite(ms) ? ms : 1000, 1500);
      }
      if (res.statusCode !== 200) {
        this.stats.errors += 1;
        return 250;
      }
      this.stats.ok += 1;
      if (res.headers['x-token-ninja-source'] === 'burst') this.stats.burst += 1;
      if (res.headers['x-token-ninja-queued-ms'] !== undefined) this.stats.queued += 1;
      this.stats.tokens += usageTokens(text, profile.stream === true);
      await this.progress();
      return 0;
    } catch {
      if (!signal.aborted) this.stats.errors += 1;
      return 250;
    }
  }

  /** Counts a served request toward the current task; reports the task when it is done. */
  private async progress(): Promise<void> {
    const { profile, client } = this.opts;
    this.doneInTask += 1;
    if (this.doneInTask < profile.requestsPerTask) return;
    const task = this.taskId;
    this.doneInTask = 0;
    this.taskId = this.nextTaskId();
    this.taskStartedMs = this.opts.elapsedMs();
    const quality = Math.min(1, Math.max(0, profile.quality + 0.05 * jitter(this.taskSeq)));
    try {
      const res = await client.request({
        method: 'POST',
        path: `/agents/${profile.id}/token-ninja/v1/tasks`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ task, completed: true, quality }),
        signal: this.opts.signal,
      });
      await res.body.dump();
      if (res.statusCode === 202) {
        this.stats.tasks += 1;
        this.stats.qualitySum += quality;
      }
    } catch {
      // The run is ending; an unreported task just does not count.
    }
  }

  private body(n: number): string {
    const { profile } = this.opts;
    const text = FILLER.repeat(Math.ceil(profile.promptChars / FILLER.length)).slice(0, profile.promptChars);
    const req: Record<string, unknown> = {
      model: 'gpt-4o-mini',
      max_tokens: profile.maxTokens,
      messages: [
        { role: 'system', content: `You are ${profile.id}, an autonomous agent. Task ${this.taskId}.` },
        { role: 'user', content: `Step ${n}. ${text}` },
      ],
    };
    if (profile.stream) {
      req.stream = true;
      req.stream_options = { include_usage: true };
    }
    return JSON.stringify(req);
  }

  private nextTaskId(): string {
    this.taskSeq += 1;
    return `${this.opts.profile.id}-task-${this.taskSeq}`;
  }

  /** Sleeps unless aborted; false when the run is over. */
  private async pause(ms: number): Promise<boolean> {
    if (this.opts.signal.aborted) return false;
    if (ms <= 0) return true;
    try {
      await sleep(ms, undefined, { signal: this.opts.signal });
      return true;
    } catch {
      return false;
    }
  }
}

/** Total tokens from a chat completion reply, JSON or SSE (the usage chunk). */
export function usageTokens(text: string, stream: boolean): number {
  if (!stream) return totalOf(safeJson(text));
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const t = totalOf(safeJson(line.slice(6)));
    if (t > 0) total = t;
  }
  return total;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

function totalOf(json: unknown): number {
  if (typeof json !== 'object' || json === null) return 0;
  const usage = (json as { usage?: unknown }).usage;
  if (typeof usage !== 'object' || usage === null) return 0;
  const total = (usage as { total_tokens?: unknown }).total_tokens;
  return typeof total === 'number' ? total : 0;
}
