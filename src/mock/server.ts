/**
 * The mock LLM provider: OpenAI-format and Anthropic-format routes on one node:http server, with
 * realistic usage, exact SSE framing, configurable timing and injected faults. Used by tests, the
 * demo and the benchmarks.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenNinjaError } from '../errors/errors.js';
import { BEHAVIOR_HEADER, BEHAVIOUR_HEADER, DEFAULT_BEHAVIOUR, parseBehaviourHeader, validateBehaviour, type MockBehaviour } from './behaviour.js';
import { errorReply, rateLimitReply } from './error-replies.js';
import { GARBAGE, malformReply, streamErrorReply } from './faults.js';
import { maxOutputTokens } from './generation.js';
import { makeId } from './ids.js';
import { MOCK_MODELS } from './openai-models.js';
import { approximateTokenCount, promptTokens, type TokenCounter } from './prompt-tokens.js';
import { attachRealtimeEcho } from './realtime.js';
import type { BuildContext, Reply, RequestBody } from './reply.js';
import { wait, writeReply } from './reply-writer.js';
import { modelOf } from './request-fields.js';
import { findRoute, formatOfPath } from './routes.js';

export interface MockProviderOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** 127.0.0.1 by default. */
  host?: string;
  /** Initial global behaviour (merged over DEFAULT_BEHAVIOUR). */
  behaviour?: Partial<MockBehaviour>;
  /** How many requests `requests` keeps (oldest dropped first); 0 records nothing. Default 1000. */
  maxRecorded?: number;
  /** Prompt-token counter; default: a cheap deterministic approximation (approximateTokenCount). */
  countTokens?: TokenCounter;
  /** Ids listed by GET /v1/models. */
  models?: readonly string[];
  /** Clock for `created` fields, unix ms. */
  now?: () => number;
  /** Larger request bodies get a 413. Default 64 MiB. */
  maxBodyBytes?: number;
}

/** One request as the mock received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, when it was JSON. */
  json: unknown;
  receivedAt: number;
  /** Set when the client went away before the response was complete. */
  aborted: boolean;
}

export interface MockProvider {
  /** `http://host:port`, no trailing slash (OpenAI SDK baseURL: url + '/v1'; Anthropic SDK baseURL: url). */
  url: string;
  port: number;
  /** Recorded requests, oldest first, bounded by `maxRecorded`. */
  readonly requests: readonly RecordedRequest[];
  /** The current global behaviour. */
  readonly behaviour: Readonly<MockBehaviour>;
  /** Merge into the global behaviour (per-request headers still override it). */
  setBehaviour(patch: Partial<MockBehaviour>): void;
  /** Back to the behaviour the mock started with. */
  resetBehaviour(): void;
  clearRequests(): void;
  /** Stop listening, abort waits and streams in flight, close every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

function checkedBehaviour(patch: Partial<MockBehaviour>, base: Readonly<MockBehaviour>): MockBehaviour {
  const valid = validateBehaviour(patch as Record<string, unknown>);
  if (typeof valid === 'string') throw new TokenNinjaError('MOCK_BEHAVIOUR_INVALID', 500, `mock behaviour: ${valid}`);
  return { ...base, ...valid };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else parts.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too_large' : Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Start the mock provider. */
export async function startMockProvider(opts: MockProviderOptions = {}): Promise<MockProvider> {
  const initial = checkedBehaviour(opts.behaviour ?? {}, DEFAULT_BEHAVIOUR);
  let global: MockBehaviour = { ...initial };
  const maxRecorded = opts.maxRecorded ?? 1000;
  const countTokens = opts.countTokens ?? approximateTokenCount;
  const models = opts.models ?? MOCK_MODELS;
  const now = opts.now ?? Date.now;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const requests: RecordedRequest[] = [];
  const active = new Set<AbortController>();

  const record = (req: IncomingMessage): RecordedRequest => {
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: '',
      json: undefined,
      receivedAt: now(),
      aborted: false,
    };
    if (maxRecorded > 0) {
      requests.push(entry);
      if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);
    }
    return entry;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal, entry: RecordedRequest): Promise<void> => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const format = formatOfPath(pathname);
    const raw = await readBody(req, maxBody);
    const nowMs = now();
    const requestId = makeId('req_', '');
    const send = (reply: Reply, behaviour: MockBehaviour) =>
      writeReply(res, reply, { behaviour, acceptsGzip: /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')), signal });

    if (raw === 'too_large') return send(errorReply(format, 413, requestId, global, nowMs, 'Request body too large.'), global);
    entry.body = raw.toString('utf8');

    const header = req.headers[BEHAVIOUR_HEADER] ?? req.headers[BEHAVIOR_HEADER];
    const patch = typeof header === 'string' ? parseBehaviourHeader(header) : {};
    if (typeof patch === 'string') return send(errorReply(format, 400, requestId, global, nowMs, patch), global);
    const behaviour: MockBehaviour = { ...global, ...patch };

    const route = findRoute(method, pathname, models);
    let body: RequestBody = {};
    if (route?.jsonBody === true) {
      try {
        entry.json = JSON.parse(entry.body);
      } catch {
        return send(errorReply(format, 400, requestId, behaviour, nowMs, 'We could not parse the JSON body of your request.'), behaviour);
      }
      if (typeof entry.json !== 'object' || entry.json === null || Array.isArray(entry.json)) {
        return send(errorReply(format, 400, requestId, behaviour, nowMs, 'The request body must be a JSON object.'), behaviour);
      }
      body = entry.json as RequestBody;
    }

    if (!(await wait(behaviour.fault === 'slow' ? behaviour.slowMs : behaviour.latencyMs, signal))) return;

    if (behaviour.fault === 'garbage') {
      res.socket?.end(GARBAGE);
      return;
    }
    if (route === undefined) {
      const message = format === 'openai' ? `Invalid URL (${method} ${pathname})` : 'Not found';
      return send(errorReply(format, 404, requestId, behaviour, nowMs, message), behaviour);
    }
    if (behaviour.fault === 'error') return send(errorReply(route.format, behaviour.errorStatus, requestId, behaviour, nowMs), behaviour);
    if (behaviour.fault === 'rate_limit') {
      const requested = promptTokens(route.route, body, countTokens) + (maxOutputTokens(body) ?? behaviour.outputTokens);
      const model = modelOf(body, route.format === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-4-5');
      return send(rateLimitReply(route.format, requestId, behaviour, nowMs, model, requested), behaviour);
    }
    const ctx: BuildContext = { behaviour, nowMs, countTokens, id: (prefix) => makeId(prefix, behaviour.seed) };
    const reply = route.handle(body, ctx);
    if (behaviour.fault === 'stream_error') return send(streamErrorReply(reply, route.route, behaviour.resetAfterChunks), behaviour);
    return send(behaviour.fault === 'malformed' ? malformReply(reply) : reply, behaviour);
  };

  const server = createServer((req, res) => {
    const controller = new AbortController();
    active.add(controller);
    const entry = record(req);
    res.on('error', () => undefined);
    res.on('close', () => {
      if (!res.writableFinished) entry.aborted = true;
      controller.abort();
      active.delete(controller);
    });
    handle(req, res, controller.signal, entry).catch(() => {
      // A bug in the mock must not take the test process down: answer 500 if we still can.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('mock provider error');
      } else {
        res.destroy();
      }
    });
  });
  const closeRealtime = attachRealtimeEcho(server, (req) => {
    record(req);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    get behaviour() {
      return global;
    },
    setBehaviour(patch) {
      global = checkedBehaviour(patch, global);
    },
    resetBehaviour() {
      global = { ...initial };
    },
    clearRequests() {
      requests.length = 0;
    },
    close() {
      for (const controller of active) controller.abort();
      closeRealtime();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
