import type { Estimate, EstimateContext } from '../domain/estimate.js';
import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { Estimator } from './estimator.js';
import type { TokenCountPool } from './worker-pool.js';

/**
 * Bodies at least this large (bytes) are counted on the worker pool: at ~6–15 MB/s of BPE, 32 KiB is
 * 2–5 ms of event-loop time; smaller bodies cost less than the hop to a worker.
 */
export const ASYNC_COUNT_THRESHOLD_BYTES = 32 * 1024;

/**
 * The same estimate as `adapter.estimate()`, but bodies of `thresholdBytes` or more are counted on `pool`
 * (off the event loop). `rawBody` is the request's JSON bytes as received; `body` the parsed object.
 */
export async function estimateAsync(
  adapter: Estimator,
  route: MeteredRoute,
  body: JsonObject,
  rawBody: Uint8Array | string,
  ctx: EstimateContext,
  pool: TokenCountPool | undefined,
  thresholdBytes: number = ASYNC_COUNT_THRESHOLD_BYTES,
): Promise<Estimate> {
  const size = typeof rawBody === 'string' ? Buffer.byteLength(rawBody) : rawBody.byteLength;
  if (!pool || size < thresholdBytes) return adapter.estimate(route, body, ctx);
  const input = await pool.count(route, rawBody);
  return adapter.estimateFromInput(route, body, ctx, input);
}
