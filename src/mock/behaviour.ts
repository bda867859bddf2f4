/**
 * How the mock provider behaves: timing, sizes and injected faults. Set globally (options,
 * `setBehaviour`) or per request with the `x-mock-behaviour` header, which the proxy passes
 * through untouched (it strips only `x-token-ninja-*`).
 */

/** Faults the mock can inject. */
export const FAULTS = ['none', 'error', 'rate_limit', 'slow', 'reset', 'stream_error', 'garbage', 'malformed'] as const;
export type Fault = (typeof FAULTS)[number];

export interface MockBehaviour {
  /** Delay before the status line and headers, in ms. */
  latencyMs: number;
  /** Content chunks in a stream (at most one per generated token). */
  chunks: number;
  /** Spacing between consecutive stream events, in ms. */
  chunkMs: number;
  /** Visible generated tokens (capped by the request's max tokens). */
  outputTokens: number;
  /** Reasoning tokens, reported in completion_tokens_details and counted in completion_tokens. */
  reasoningTokens: number;
  /** Prompt tokens reported as served from cache (capped at the prompt size). */
  cachedTokens: number;
  /** Anthropic cache_creation_input_tokens (capped at the prompt size minus cached). */
  cacheCreationTokens: number;
  /**
   * `error`: status `errorStatus` (500 by default) with a body in the provider's format;
   * `rate_limit`: 429 with retry-after headers; `slow`: nothing for `slowMs`, then a normal reply;
   * `reset`: the socket is reset after `resetAfterChunks` content chunks (half the body when not streaming);
   * `stream_error`: a stream carries the provider's in-stream error event after `resetAfterChunks` content chunks
   * (Anthropic `event: error` overloaded_error, OpenAI `data: {"error":…}`, Responses `error`) and ends cleanly
   * without its completion event;
   * `garbage`: bytes that are not HTTP; `malformed`: 200 with an unparseable JSON body or SSE event.
   */
  fault: Fault;
  errorStatus: number;
  retryAfterSeconds: number;
  slowMs: number;
  resetAfterChunks: number;
  /** Gzip the response when the client accepts gzip. */
  gzip: boolean;
  /** Send OpenAI's x-ratelimit-* / Anthropic's anthropic-ratelimit-* headers like the real APIs. */
  rateLimitHeaders: boolean;
  /** When set, response ids derive from it alone, so two calls (direct and proxied) can be compared byte for byte. */
  seed: string;
}

/** Defaults: fast (no waits), a handful of chunks, no faults. */
export const DEFAULT_BEHAVIOUR: Readonly<MockBehaviour> = Object.freeze({
  latencyMs: 0,
  chunks: 5,
  chunkMs: 0,
  outputTokens: 16,
  reasoningTokens: 0,
  cachedTokens: 0,
  cacheCreationTokens: 0,
  fault: 'none',
  errorStatus: 500,
  retryAfterSeconds: 1,
  slowMs: 60_000,
  resetAfterChunks: 1,
  gzip: false,
  rateLimitHeaders: true,
  seed: '',
});

/** Request header carrying per-request behaviour: JSON (`{"fault":"reset"}`) or `key=value` pairs separated by `,` or `;`. */
export const BEHAVIOUR_HEADER = 'x-mock-behaviour';
/** The US spelling, accepted too. */
export const BEHAVIOR_HEADER = 'x-mock-behavior';

const INTEGER_KEYS = [
  'latencyMs',
  'chunks',
  'chunkMs',
  'outputTokens',
  'reasoningTokens',
  'cachedTokens',
  'cacheCreationTokens',
  'errorStatus',
  'slowMs',
  'resetAfterChunks',
] as const;
const BOOLEAN_KEYS = ['gzip', 'rateLimitHeaders'] as const;

/** Shorthands: `fault=500` / `fault=429` / `fault=503`… mean an error of that status. */
function faultFromValue(value: unknown): Partial<MockBehaviour> | string {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{3}$/.test(value))) {
    const status = Number(value);
    if (status === 429) return { fault: 'rate_limit' };
    if (status >= 400 && status <= 599) return { fault: 'error', errorStatus: status };
    return `fault: status ${status} is not 400-599`;
  }
  if (typeof value === 'string' && (FAULTS as readonly string[]).includes(value)) return { fault: value as Fault };
  return `fault: expected one of ${FAULTS.join(', ')} or an HTTP status`;
}

/** Validate a loose object into a partial behaviour; returns an error message naming the field on failure. */
export function validateBehaviour(input: Record<string, unknown>): Partial<MockBehaviour> | string {
  const out: Partial<MockBehaviour> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((INTEGER_KEYS as readonly string[]).includes(key)) {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return `${key}: expected a non-negative integer`;
      (out as Record<string, unknown>)[key] = n;
    } else if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
      const b = value === 'true' ? true : value === 'false' ? false : value;
      if (typeof b !== 'boolean') return `${key}: expected true or false`;
      (out as Record<string, unknown>)[key] = b;
    } else if (key === 'retryAfterSeconds') {
      const n = typeof value === 'string' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return `${key}: expected a non-negative number`;
      out.retryAfterSeconds = n;
    } else if (key === 'fault') {
      const f = faultFromValue(value);
      if (typeof f === 'string') return f;
      // An explicit errorStatus elsewhere in the input wins over the shorthand's.
      Object.assign(out, f, out.errorStatus !== undefined ? { errorStatus: out.errorStatus } : {});
    } else if (key === 'seed') {
      if (typeof value !== 'string') return 'seed: expected a string';
      out.seed = value;
    } else {
      return `${key}: unknown behaviour key`;
    }
  }
  return out;
}

/** Parse the `x-mock-behaviour` header value. Pure. */
export function parseBehaviourHeader(value: string): Partial<MockBehaviour> | string {
  const text = value.trim();
  if (text === '') return {};
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return 'x-mock-behaviour: not valid JSON';
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'x-mock-behaviour: expected a JSON object';
    return validateBehaviour(parsed as Record<string, unknown>);
  }
  const pairs: Record<string, unknown> = {};
  for (const part of text.split(/[;,]/)) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return `x-mock-behaviour: expected key=value, got "${part.trim()}"`;
    pairs[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return validateBehaviour(pairs);
}
