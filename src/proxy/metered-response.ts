import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Dispatcher } from 'undici';
import type { Estimate } from '../domain/estimate.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { PreparedRequest, ProviderAdapter } from '../providers/adapter.js';
import type { UsageReport } from '../domain/usage-report.js';
import type { RequestContext } from './agent-handler.js';
import { clientResponseHeaders } from './headers.js';
import { writeChunk } from './respond.js';
import type { Settlement, SettleUsage } from './settlement.js';

/** Response bodies kept for usage extraction; a larger JSON reply is charged from the estimate. */
const MAX_JSON_CAPTURE = 64 * 1024 * 1024;

export interface MeteredResponseArgs {
  ctx: RequestContext;
  adapter: ProviderAdapter;
  route: MeteredRoute;
  prepared: PreparedRequest;
  estimate: Estimate;
  admission: Record<string, string>;
  response: Dispatcher.ResponseData;
  dispatched: number;
  settlement: Settlement;
}

/**
 * Streams a metered upstream response to the client while reading its usage. SSE goes through the
 * adapter's stream meter event by event (never batched); JSON is forwarded as it arrives and parsed at the end.
 * If the upstream compressed the reply despite `accept-encoding: identity`, SSE is decoded for the client
 * (the meter must rewrite it) and JSON is forwarded compressed and decoded only for the meter.
 */
export async function forwardMeteredResponse(a: MeteredResponseArgs): Promise<void> {
  const { ctx, response } = a;
  const status = response.statusCode;
  const contentType = header(response.headers, 'content-type') ?? '';
  const encoding = header(response.headers, 'content-encoding')?.toLowerCase();
  const decodable = encoding === 'gzip' || encoding === 'deflate' || encoding === 'br';
  const isSse = contentType.includes('text/event-stream');
  try {
    if (status >= 400) await forwardError(a);
    else if (isSse) await forwardSse(a, decodable ? encoding : undefined);
    else await forwardJson(a, decodable ? encoding : undefined);
  } finally {
    ctx.info.upstreamMs = performance.now() - a.dispatched;
    // A throw before the body was read to the end must not hold the upstream connection; undici reports
    // that destroy as an abort error, which is expected here.
    if (!response.body.readableEnded) response.body.on('error', () => {}).destroy();
  }
}

/** Upstream errors pass through untouched; providers do not bill them, so nothing is charged. */
async function forwardError(a: MeteredResponseArgs): Promise<void> {
  const { ctx, response } = a;
  ctx.info.outcome = 'upstream_error';
  ctx.res.writeHead(response.statusCode, clientResponseHeaders(response.headers, { dropLength: false, dropEncoding: false }, a.admission));
  const ok = await pump(ctx, response.body, (c) => c);
  a.settlement.settle(response.statusCode, { input: 0, cached: 0, output: 0, reasoning: 0, source: 'estimated' });
  if (ok) ctx.res.end();
}

async function forwardSse(a: MeteredResponseArgs, encoding: string | undefined): Promise<void> {
  const { ctx, response } = a;
  const meter = a.adapter.createStreamMeter(a.route, a.prepared, a.estimate.model);
  ctx.res.writeHead(response.statusCode, clientResponseHeaders(response.headers, { dropLength: true, dropEncoding: encoding !== undefined }, a.admission));
  ctx.res.flushHeaders();
  const source = encoding !== undefined ? decoded(response.body, encoding) : response.body;
  const ok = await pump(ctx, source, (c) => meter.push(c));
  if (ok) {
    const tail = meter.end();
    if (tail.length > 0) await writeChunk(ctx.res, tail);
  }
  ctx.info.malformedEvents = meter.malformedEvents();
  const usage = meter.usage();
  // Usage counts only when the provider said the stream completed: a cut or errored stream's counts are partial.
  const complete = ok && meter.completed() && usage.inputTokens !== undefined && usage.outputTokens !== undefined;
  a.settlement.settle(response.statusCode, fromUsage(usage, complete, a.estimate.inputTokens, () => meter.streamedOutputTokens()));
  if (ok) ctx.res.end();
}

async function forwardJson(a: MeteredResponseArgs, encoding: string | undefined): Promise<void> {
  const { ctx, response } = a;
  ctx.res.writeHead(response.statusCode, clientResponseHeaders(response.headers, { dropLength: false, dropEncoding: false }, a.admission));
  const chunks: Buffer[] = [];
  let captured = 0;
  const ok = await pump(ctx, response.body, (c) => {
    captured += c.length;
    if (captured <= MAX_JSON_CAPTURE) chunks.push(c);
    return c;
  });
  let usage: UsageReport | undefined;
  let json: unknown;
  if (ok && captured <= MAX_JSON_CAPTURE) {
    try {
      const raw = Buffer.concat(chunks, captured);
      json = JSON.parse(decodeSync(raw, encoding).toString('utf8'));
      usage = a.adapter.usageFromJson(a.route, json);
    } catch {
      json = undefined;
    }
  }
  // Embeddings need no special case: the OpenAI usage parser reports their missing output as 0.
  const complete = usage !== undefined && usage.inputTokens !== undefined && usage.outputTokens !== undefined;
  const counted = () => (json !== undefined ? a.adapter.outputTokensFromJson(a.route, json, a.estimate.model) : 0);
  a.settlement.settle(response.statusCode, fromUsage(usage ?? {}, complete, a.estimate.inputTokens, counted));
  if (ok) ctx.res.end();
}

/** `countedOutput` tokenizes what was streamed: only called when the provider's usage did not arrive. */
function fromUsage(usage: UsageReport, complete: boolean, estimatedInput: number, countedOutput: () => number): SettleUsage {
  return {
    input: usage.inputTokens ?? estimatedInput,
    cached: usage.cachedInputTokens ?? 0,
    output: complete ? (usage.outputTokens ?? 0) : Math.max(usage.outputTokens ?? 0, countedOutput()),
    reasoning: usage.reasoningTokens ?? 0,
    source: complete ? 'provider' : 'estimated',
  };
}

/** Copies upstream chunks to the client through `map`; false when the upstream failed or the client left. */
async function pump(ctx: RequestContext, body: AsyncIterable<Buffer> | Readable, map: (chunk: Buffer) => Uint8Array): Promise<boolean> {
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const out = map(chunk);
      ctx.info.bytesOut += out.length;
      if (!(await writeChunk(ctx.res, out))) return false;
    }
    return true;
  } catch {
    if (!ctx.abort.signal.aborted) ctx.info.outcome = 'upstream_error';
    // The stream was cut: end the client's connection the way a cut upstream would.
    ctx.res.destroy();
    return false;
  }
}

function decoded(body: Readable, encoding: string): Readable {
  const decoder = encoding === 'gzip' ? createGunzip() : encoding === 'br' ? createBrotliDecompress() : createInflate();
  body.on('error', (err) => decoder.destroy(err));
  return body.pipe(decoder);
}

function decodeSync(raw: Buffer, encoding: string | undefined): Buffer {
  const opts = { maxOutputLength: MAX_JSON_CAPTURE };
  if (encoding === 'gzip') return gunzipSync(raw, opts);
  if (encoding === 'br') return brotliDecompressSync(raw, opts);
  if (encoding === 'deflate') return inflateSync(raw, opts);
  return raw;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
