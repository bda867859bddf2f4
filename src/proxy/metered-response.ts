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
import { JsonTail } from './json-tail.js';
import { writeChunk } from './respond.js';
import type { Settlement, SettleUsage } from './settlement.js';

/** JSON replies up to this size are parsed whole (usage, or the output counted when usage is missing). */
const MAX_JSON_WHOLE = 1024 * 1024;
/** Of a larger uncompressed reply, the last bytes kept to read its usage from. */
const JSON_TAIL_BYTES = 64 * 1024;
/** What a compressed reply held whole may inflate to before it is charged from the estimate. */
const MAX_DECODED_JSON = 64 * 1024 * 1024;

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
 * adapter's stream meter event by event (never batched); JSON is forwarded as it arrives; its usage is read
 * from the whole reply when small, else from its tail.
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
  ctx.info.responseModel = meter.responseModel();
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
  // Past MAX_JSON_WHOLE only the tail is kept: the reply streams through in constant memory.
  const tail = new JsonTail(JSON_TAIL_BYTES);
  const ok = await pump(ctx, response.body, (c) => {
    captured += c.length;
    if (captured <= MAX_JSON_WHOLE) chunks.push(c);
    else if (encoding === undefined) {
      if (chunks.length > 0) for (const kept of chunks.splice(0)) tail.push(kept);
      tail.push(c);
    }
    return c;
  });
  let usage: UsageReport | undefined;
  let json: unknown;
  if (ok) {
    try {
      json = captured <= MAX_JSON_WHOLE ? JSON.parse(decodeSync(Buffer.concat(chunks, captured), encoding).toString('utf8')) : undefined;
      usage = a.adapter.usageFromJson(a.route, json ?? (encoding === undefined ? tail.usage() : undefined));
    } catch {
      json = undefined;
    }
  }
  // Embeddings need no special case: the OpenAI usage parser reports their missing output as 0.
  const complete = usage !== undefined && usage.inputTokens !== undefined && usage.outputTokens !== undefined;
  ctx.info.responseModel = a.adapter.responseModelFromJson(json);
  const counted = () => (json !== undefined ? a.adapter.outputTokensFromJson(a.route, json, a.estimate.model) : 0);
  a.settlement.settle(response.statusCode, fromUsage(usage ?? {}, complete, a.estimate.inputTokens, counted));
  if (ok) ctx.res.end();
}

/** `countedOutput` tokenizes what was streamed: only called when the provider's usage did not arrive. */
function fromUsage(usage: UsageReport, complete: boolean, estimatedInput: number, countedOutput: () => number): SettleUsage {
  return {
    input: usage.inputTokens ?? estimatedInput,
    cached: usage.cachedInputTokens ?? 0,
    cacheWrite: usage.cacheCreationInputTokens ?? 0,
    cacheWrite1h: usage.cacheCreation1hInputTokens ?? 0,
    output: complete ? (usage.outputTokens ?? 0) : Math.max(usage.outputTokens ?? 0, countedOutput()),
    reasoning: usage.reasoningTokens ?? 0,
    source: complete ? 'provider' : 'estimated',
  };
}

/**
 * Copies upstream chunks to the client through `map`, waiting for drain while the client is slow; false
 * when the upstream failed or the client left. Each `read()` takes everything buffered at once, so the
 * events of one upstream read (one undici chunk each) are metered and written together; no async iterator,
 * as this runs for every reply.
 */
function pump(ctx: RequestContext, body: Readable, map: (chunk: Buffer) => Uint8Array): Promise<boolean> {
  const { res } = ctx;
  return new Promise((resolve) => {
    let done = false;
    let draining = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      // The error listener stays: the caller destroys an unfinished body, which then reports an abort.
      body.off('readable', onReadable).off('end', onEnd);
      res.off('drain', onDrain).off('close', onClose);
      resolve(ok);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (!done && !draining && (chunk = body.read() as Buffer | null) !== null) {
        let out: Uint8Array;
        try {
          out = map(chunk);
        } catch {
          onError();
          return;
        }
        ctx.info.bytesOut += out.length;
        if (out.length === 0) continue;
        if (res.destroyed) finish(false);
        else if (!res.write(out)) draining = true;
      }
    };
    const onDrain = () => {
      draining = false;
      onReadable();
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(false);
    const onError = () => {
      if (done) return;
      if (!ctx.abort.signal.aborted) ctx.info.outcome = 'upstream_error';
      // The stream was cut: end the client's connection the way a cut upstream would.
      res.destroy();
      finish(false);
    };
    if (res.destroyed) {
      finish(false);
      return;
    }
    body.on('readable', onReadable).on('end', onEnd).on('error', onError);
    res.on('drain', onDrain).on('close', onClose);
  });
}

function decoded(body: Readable, encoding: string): Readable {
  const decoder = encoding === 'gzip' ? createGunzip() : encoding === 'br' ? createBrotliDecompress() : createInflate();
  body.on('error', (err) => decoder.destroy(err));
  return body.pipe(decoder);
}

function decodeSync(raw: Buffer, encoding: string | undefined): Buffer {
  const opts = { maxOutputLength: MAX_DECODED_JSON };
  if (encoding === 'gzip') return gunzipSync(raw, opts);
  if (encoding === 'br') return brotliDecompressSync(raw, opts);
  if (encoding === 'deflate') return inflateSync(raw, opts);
  return raw;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
