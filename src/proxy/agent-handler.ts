import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { taskOutcomeBodySchema } from '../admin/schemas.js';
import type { Config } from '../config/schema.js';
import type { Estimate } from '../domain/estimate.js';
import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { RequestTrace, RequestTracer } from '../domain/request-trace.js';
import { adapterFor, meteredRoute } from '../providers/registry.js';
import { withMaxOutput } from '../providers/max-output.js';
import { readBody, limitedBody, tooLarge } from './body.js';
import { asProxyError, ProxyError, type ProxyErrorCode } from './errors.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { parseHints, type ClaimPolicy, type Hints } from './hints.js';
import type { IdentityResolver } from './identity.js';
import type { Admission, Metering } from './metering.js';
import type { ProviderCredentials } from './provider-credentials.js';
import type { RequestInfo, RequestObserver, RequestOutcome } from './request-info.js';
import { sendError, sendJson, writeChunk } from './respond.js';
import { providerOfTarget, resolvePath, type ResolvedPath } from './routes.js';
import { upstreamFailure, type Upstreams } from './upstream.js';
import { forwardMeteredResponse } from './metered-response.js';
import { Settlement } from './settlement.js';

export interface AgentHandlerDeps {
  config: Config;
  upstreams: Upstreams;
  identity: IdentityResolver;
  credentials: ProviderCredentials;
  metering: Metering;
  observer: RequestObserver;
  /** Wall clock (unix ms), injectable for tests. */
  now: () => number;
  /** True once shutdown began: new requests get 503. */
  draining: () => boolean;
  /** What operators granted each agent (ceiling, criticality), read from memory on every request. */
  claimPolicy: (agent: string) => ClaimPolicy;
  /** Task type → class as the config in force says (a reload may change it). */
  taskTypes: () => Config['priority']['taskTypes'];
  /** Tracing (OpenTelemetry): a span per metered request; absent when tracing is off. */
  tracer?: RequestTracer;
}

/** Per-request state shared by the route handlers. */
export interface RequestContext {
  deps: AgentHandlerDeps;
  req: IncomingMessage;
  res: ServerResponse;
  path: ResolvedPath;
  agent: string;
  /** True when the request presented a key from the `apiKeys` map (swapped for the configured key upstream). */
  virtualKey: boolean;
  hints: Hints;
  info: RequestInfo;
  started: number;
  /** Aborted when the client goes away. */
  abort: AbortController;
  /** The request's span, when tracing is on and the request is metered. */
  trace?: RequestTrace;
}

/** The request listener of the agents' port. */
export function createAgentHandler(deps: AgentHandlerDeps): RequestListener {
  return (req, res) => {
    void handle(deps, req, res);
  };
}

async function handle(deps: AgentHandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const info: RequestInfo = { method: req.method ?? 'GET', route: 'other', status: 0, outcome: 'forwarded', durationMs: 0, bytesIn: 0, bytesOut: 0 };
  const abort = new AbortController();
  let ctx: RequestContext | undefined;
  res.once('close', () => {
    if (!res.writableFinished) {
      abort.abort();
      // Unless the proxy itself cut the response (an upstream cut, an error after the headers went out).
      if (!PROXY_ENDED.has(info.outcome)) info.outcome = 'client_closed';
    }
    info.status = res.statusCode;
    info.durationMs = performance.now() - started;
    deps.observer.requestDone(info);
    if (ctx?.trace !== undefined) endTrace(ctx.trace, info);
  });
  /** Whose error shape to answer in: the route's provider, OpenAI's for everything else (README). */
  let provider: ProviderName | undefined;
  try {
    if (deps.draining()) throw new ProxyError('shutting_down', 'the proxy is shutting down');
    const path = resolvePath(info.method, req.url ?? '/');
    provider = path.route.kind === 'passthrough' || path.route.kind === 'metered' ? path.route.provider : 'openai';
    info.provider = provider;
    info.route = routeLabel(path);
    if (path.route.kind === 'not_found') throw new ProxyError('not_found', `no route for ${info.method} ${path.pathname}`);
    // Authentication (401) before identity (403); both before anything is counted or forwarded.
    const keyAgent = deps.identity.keyAgent(req.headers);
    const virtualKey = keyAgent !== undefined;
    if (path.route.kind === 'metered' || path.route.kind === 'passthrough') deps.credentials.authorize(path.route.provider, virtualKey);
    const identity = deps.identity.resolve(req.headers, path.agentFromPath, keyAgent);
    info.agent = identity.agent;
    const hints = parseHints(req.headers, deps.now(), deps.taskTypes(), deps.claimPolicy(identity.agent));
    if (hints.claimedPriority !== undefined) info.claim = { class: hints.claimedPriority, capped: hints.capped === true };
    ctx = { deps, req, res, path, agent: identity.agent, virtualKey, hints, info, started, abort };
    switch (path.route.kind) {
      case 'metered':
        await handleMetered(ctx, path.route.provider, path.route.route);
        break;
      case 'passthrough':
        await handlePassthrough(ctx, path.route.provider);
        break;
      case 'estimate':
        await handleEstimate(ctx);
        break;
      case 'tasks':
        await handleTask(ctx);
        break;
    }
  } catch (err) {
    const perr = asProxyError(err);
    if (perr.code === 'client_closed' || abort.signal.aborted || res.destroyed) {
      info.outcome = 'client_closed';
      return;
    }
    info.errorCode = perr.code;
    info.outcome = outcomeOf(perr.code);
    if (perr.code === 'internal_error') info.failure = err;
    // Refused before its route was known (draining, bad target): the provider is read from the raw target.
    sendError(res, provider ?? providerOfTarget(req.url ?? '/'), perr, info.agent !== undefined ? { 'x-token-ninja-agent': info.agent } : {});
  }
}

/** Ends a request's span with how the request ended. */
function endTrace(trace: RequestTrace, info: RequestInfo): void {
  const r = info.record;
  trace.end({
    status: info.status,
    outcome: info.outcome,
    errorCode: info.errorCode,
    responseModel: info.responseModel,
    usage: r && { input: r.actualInput, output: r.actualOutput, cachedInput: r.cachedInput, cacheCreationInput: r.cacheWriteInput > 0 ? r.cacheWriteInput : undefined, reasoning: r.reasoningOutput, source: r.source },
    endedAt: performance.timeOrigin + performance.now(),
  });
}

/** Outcomes the proxy decides itself; a response cut after one of them was not the client's doing. */
const PROXY_ENDED = new Set<RequestOutcome>(['rejected', 'upstream_error', 'error']);

/** The `outcome` of a request the proxy answered with an error of its own. */
function outcomeOf(code: ProxyErrorCode): RequestOutcome {
  if (code === 'token_budget_exceeded' || code === 'budget_cap_reached') return 'rejected';
  if (code === 'upstream_unreachable' || code === 'upstream_timeout') return 'upstream_error';
  return 'error';
}

function routeLabel(path: ResolvedPath): string {
  switch (path.route.kind) {
    case 'metered':
      return path.route.route;
    case 'passthrough':
      return 'passthrough';
    case 'estimate':
    case 'tasks':
      return 'token-ninja';
    case 'not_found':
      return 'other';
  }
}

async function readJson(ctx: RequestContext): Promise<{ raw: Buffer; body: JsonObject }> {
  const raw = await readBody(ctx.req, ctx.deps.config.maxBodyBytes);
  ctx.info.bytesIn = raw.length;
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ProxyError('invalid_json', 'request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ProxyError('invalid_json', 'request body must be a JSON object');
  return { raw, body: body as JsonObject };
}

async function handleMetered(ctx: RequestContext, provider: ProviderName, route: MeteredRoute): Promise<void> {
  const { deps, info } = ctx;
  const { raw, body } = await readJson(ctx);
  const estimate = await deps.metering.estimate(provider, route, body, ctx.agent, raw);
  info.model = estimate.model;
  if (deps.tracer !== undefined) ctx.trace = startTrace(deps.tracer, ctx, provider, route, estimate);
  const admission = await deps.metering.admit({ agent: ctx.agent, provider, route, estimate, hints: ctx.hints, signal: ctx.abort.signal, body: raw, trace: ctx.trace });
  const settlement = new Settlement(ctx, admission, provider, route, estimate);
  try {
    info.queuedMs = admission.queuedMs;
    info.outcome = admission.queuedMs > 0 ? 'queued' : admission.source === 'burst' ? 'burst' : 'forwarded';
    await forwardMetered(ctx, { provider, route, raw, body, estimate, admission, settlement });
  } finally {
    settlement.end(ctx.res.statusCode);
  }
}

/** Opens a metered request's span, under the client's trace context if it sent one. */
function startTrace(tracer: RequestTracer, ctx: RequestContext, provider: ProviderName, route: MeteredRoute, estimate: Estimate): RequestTrace {
  const { traceparent, tracestate } = ctx.req.headers;
  return tracer.start({
    provider,
    route,
    agent: ctx.agent,
    model: estimate.model,
    estimatedInputTokens: estimate.inputTokens,
    traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    tracestate: typeof tracestate === 'string' ? tracestate : undefined,
    startedAt: performance.timeOrigin + ctx.started,
  });
}

/** An admitted metered request, ready to go upstream. */
interface AdmittedMetered {
  provider: ProviderName;
  route: MeteredRoute;
  raw: Buffer;
  body: JsonObject;
  estimate: Estimate;
  admission: Admission;
  settlement: Settlement;
}

async function forwardMetered(ctx: RequestContext, m: AdmittedMetered): Promise<void> {
  const { deps, info } = ctx;
  const { provider, route, raw, body, estimate, admission, settlement } = m;
  const adapter = adapterFor(provider);
  const prepared = adapter.prepare(route, body);
  let outBody: Buffer = raw;
  if (admission.maxOutputTokens !== undefined) {
    prepared.body = withMaxOutput(route, prepared.body, admission.maxOutputTokens);
    outBody = Buffer.from(JSON.stringify(prepared.body));
  } else if (prepared.injectedUsage) {
    outBody = withUsageOptIn(raw, body) ?? Buffer.from(JSON.stringify(prepared.body));
  }

  const upstream = deps.upstreams.get(provider);
  const headers = upstreamRequestHeaders(ctx.req.headers, { dropContentLength: true, acceptIdentity: true });
  deps.credentials.apply(provider, headers, ctx.virtualKey);
  // The provider's side of the trace hangs under this request's span (the client's tracestate goes on as sent).
  const traceparent = ctx.trace?.traceparent;
  if (traceparent !== undefined) headers.traceparent = traceparent;
  // Gone before anything was sent: the reservation is released, nothing charged.
  if (ctx.abort.signal.aborted) throw new ProxyError('client_closed', 'the client went away before the request was sent upstream');
  const dispatched = performance.now();
  info.overheadMs = dispatched - ctx.started - admission.queuedMs;
  settlement.dispatch();

  let response;
  try {
    response = await upstream.pool.request({
      path: upstream.basePath + ctx.path.upstreamPath,
      method: 'POST',
      headers,
      body: outBody,
      signal: ctx.abort.signal,
    });
  } catch (err) {
    const failure = upstreamFailure(err);
    // Nothing was generated; a request that may have reached the provider (timeout, abort) is charged its input.
    const reached = ctx.abort.signal.aborted || failure.code === 'upstream_timeout';
    settlement.settle(failure.status, { input: reached ? estimate.inputTokens : 0, output: 0, cached: 0, reasoning: 0, source: 'estimated' });
    info.upstreamMs = performance.now() - dispatched;
    if (!ctx.abort.signal.aborted) info.outcome = 'upstream_error';
    throw failure;
  }
  admission.headers['x-token-ninja-agent'] = ctx.agent;
  await forwardMeteredResponse({ ctx, adapter, route, prepared, estimate, admission: admission.headers, response, dispatched, settlement });
}

/**
 * The client's bytes with `"stream_options":{"include_usage":true}` appended, so the rest of the body goes
 * upstream exactly as sent (re-serialising would round integers past 2^53, such as an int64 `seed`).
 * Undefined when the body already has `stream_options` (the caller re-serialises then).
 */
function withUsageOptIn(raw: Buffer, body: JsonObject): Buffer | undefined {
  if ('stream_options' in body) return undefined;
  let end = raw.length - 1;
  while (end >= 0 && (raw[end] === 0x20 || raw[end] === 0x0a || raw[end] === 0x0d || raw[end] === 0x09)) end--;
  // A streaming request has at least one member (`stream`), so a comma always belongs before ours.
  if (end < 1 || raw[end] !== 0x7d /* } */) return undefined;
  return Buffer.concat([raw.subarray(0, end), Buffer.from(',"stream_options":{"include_usage":true}}')]);
}

async function handlePassthrough(ctx: RequestContext, provider: ProviderName): Promise<void> {
  const { deps, req, res, info } = ctx;
  const upstream = deps.upstreams.get(provider);
  const headers = upstreamRequestHeaders(req.headers, { dropContentLength: false, acceptIdentity: false });
  deps.credentials.apply(provider, headers, ctx.virtualKey);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > deps.config.maxBodyBytes) throw tooLarge(deps.config.maxBodyBytes);
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  const dispatched = performance.now();
  info.overheadMs = dispatched - ctx.started;
  let response;
  try {
    response = await upstream.pool.request({
      path: upstream.basePath + ctx.path.upstreamPath,
      method: (req.method ?? 'GET') as 'GET',
      headers,
      body: hasBody ? Readable.from(limitedBody(req, deps.config.maxBodyBytes, (size) => (info.bytesIn = size)), { objectMode: false }) : undefined,
      signal: ctx.abort.signal,
    });
  } catch (err) {
    if (err instanceof ProxyError) throw err;
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ProxyError) throw cause;
    info.outcome = 'upstream_error';
    throw upstreamFailure(err);
  }
  res.writeHead(response.statusCode, clientResponseHeaders(response.headers, { dropLength: false, dropEncoding: false }));
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      info.bytesOut += chunk.length;
      if (!(await writeChunk(res, chunk))) break;
    }
  } catch {
    // Cut mid-body: the client sees the connection end, as it would have directly.
    info.outcome = ctx.abort.signal.aborted ? 'client_closed' : 'upstream_error';
    res.destroy();
    return;
  } finally {
    info.upstreamMs = performance.now() - dispatched;
  }
  res.end();
}

async function handleEstimate(ctx: RequestContext): Promise<void> {
  const { body } = await readJson(ctx);
  const path = typeof body.route === 'string' ? body.route : undefined;
  const metered = path !== undefined ? meteredRoute(path) : undefined;
  if (metered === undefined) throw new ProxyError('invalid_body', '"route" must be one of the metered routes, e.g. "/v1/chat/completions"');
  const request = body.body;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) throw new ProxyError('invalid_body', '"body" must be the JSON object of the request you would send');
  const estimate = await ctx.deps.metering.estimate(metered.provider, metered.route, request as JsonObject, ctx.agent);
  ctx.info.model = estimate.model;
  sendJson(ctx.res, 200, { model: estimate.model, encoding: estimate.encoding, inputTokens: estimate.inputTokens, outputTokens: estimate.outputTokens });
}

async function handleTask(ctx: RequestContext): Promise<void> {
  const { body } = await readJson(ctx);
  const parsed = taskOutcomeBodySchema.safeParse(body);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');
    throw new ProxyError('invalid_body', message);
  }
  const { task, completed, quality = 1 } = parsed.data;
  const { duplicate } = await ctx.deps.metering.reportTask(ctx.agent, task, completed, quality);
  sendJson(ctx.res, 202, { accepted: true, agent: ctx.agent, task, duplicate });
}
