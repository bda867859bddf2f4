/** The demo's simulated fleet: who the agents are and how they behave (plain data, no I/O). */
import type { PriorityClass } from '../domain/priority.js';

/** How one simulated agent behaves. */
export interface DemoAgentProfile {
  id: string;
  /** One line for people: what kind of agent this is. */
  role: string;
  /** Productive agents finish tasks in few requests with high quality; wasteful ones the opposite. */
  kind: 'productive' | 'wasteful' | 'mixed';
  /** The class it sends in `x-token-ninja-priority`. */
  priority: PriorityClass;
  /** Successful requests it takes to finish one task. */
  requestsPerTask: number;
  /** Quality it reports for each completed task (0–1). */
  quality: number;
  /** `max_tokens` of each request (the mock generates that many). */
  maxTokens: number;
  /** Approximate prompt size in characters. */
  promptChars: number;
  /** Requests it keeps in flight. */
  concurrency: number;
  /** Pause between its requests, ms. */
  thinkMs: number;
  /** Joins this far into the run (0–1 of the duration). */
  joinAt?: number;
  /** Each task must finish within this many seconds; sent as `x-token-ninja-deadline`. */
  deadlineSeconds?: number;
  /** Idle between bursts: every `everyFraction` of the run, `requests` at once. */
  burst?: { everyFraction: number; requests: number };
  /** Streams its replies (SSE) instead of JSON. */
  stream?: boolean;
}

/** Eight agents of differing productivity, priority and shape of demand. */
export const DEMO_FLEET: readonly DemoAgentProfile[] = [
  { id: 'coder', role: 'fixes bugs in 2 calls, quality 0.95', kind: 'productive', priority: 'normal', requestsPerTask: 2, quality: 0.95, maxTokens: 120, promptChars: 600, concurrency: 2, thinkMs: 40 },
  { id: 'reviewer', role: 'reviews a PR in 3 calls, quality 0.9 (streams)', kind: 'productive', priority: 'normal', requestsPerTask: 3, quality: 0.9, maxTokens: 150, promptChars: 800, concurrency: 2, thinkMs: 40, stream: true },
  { id: 'researcher', role: 'middling: 5 calls a task, quality 0.7', kind: 'mixed', priority: 'normal', requestsPerTask: 5, quality: 0.7, maxTokens: 250, promptChars: 1200, concurrency: 2, thinkMs: 40 },
  { id: 'chatter', role: 'wasteful: 6 long calls a task, quality 0.3', kind: 'wasteful', priority: 'normal', requestsPerTask: 6, quality: 0.3, maxTokens: 400, promptChars: 2400, concurrency: 2, thinkMs: 20 },
  { id: 'looper', role: 'wasteful: loops, 8 long calls a task, quality 0.15', kind: 'wasteful', priority: 'low', requestsPerTask: 8, quality: 0.15, maxTokens: 400, promptChars: 3000, concurrency: 2, thinkMs: 20 },
  { id: 'oncall', role: 'incident responder: deadlines 15 s out, 3 calls a task', kind: 'productive', priority: 'high', requestsPerTask: 3, quality: 0.85, maxTokens: 200, promptChars: 900, concurrency: 1, thinkMs: 300, deadlineSeconds: 15 },
  { id: 'batch', role: 'bursts 16 requests at once now and then, priority high', kind: 'mixed', priority: 'high', requestsPerTask: 4, quality: 0.7, maxTokens: 200, promptChars: 1000, concurrency: 0, thinkMs: 0, burst: { everyFraction: 0.2, requests: 16 } },
  { id: 'latecomer', role: 'joins at 40% of the run, productive', kind: 'productive', priority: 'normal', requestsPerTask: 2, quality: 0.9, maxTokens: 120, promptChars: 600, concurrency: 2, thinkMs: 40, joinAt: 0.4 },
];
