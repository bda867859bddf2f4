import { parentPort } from 'node:worker_threads';
import type { JsonObject } from '../domain/json.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import { CountCache } from './count-cache.js';
import type { EncodingName } from './encoding.js';
import { RecordingCounter, type PieceCounts } from './recorded-pieces.js';
import { countRequestInput } from './request-input.js';

/** A request to the token-count worker. */
export interface CountJob {
  id: number;
  route: MeteredRoute;
  body: string | Uint8Array;
}

/** The worker's answer. */
export type CountResult =
  | { id: number; ok: true; model: string; encoding: EncodingName; inputTokens: number; pieces: PieceCounts }
  | { id: number; ok: false; error: string };

// Each worker keeps its own per-message cache: a growing conversation's earlier messages are still counted once.
const cache = new CountCache();
const decoder = new TextDecoder();

parentPort?.on('message', (job: CountJob) => {
  let reply: CountResult;
  try {
    const text = typeof job.body === 'string' ? job.body : decoder.decode(job.body);
    const body = JSON.parse(text) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('body is not a JSON object');
    // Each piece's count goes back too, so the main thread's per-agent cache learns this body.
    const recorder = new RecordingCounter(cache);
    const c = countRequestInput(job.route, body as JsonObject, recorder);
    reply = { id: job.id, ok: true, model: c.model, encoding: c.encoding, inputTokens: c.inputTokens, pieces: recorder.pieces };
  } catch (err) {
    reply = { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
