/** POST /v1/embeddings: deterministic vectors, as floats or base64 (the openai SDK asks for base64 by default). Pure. */
import { promptTokens } from './prompt-tokens.js';
import { JSON_TYPE, providerHeaders } from './provider-headers.js';
import type { BuildContext, Reply, RequestBody } from './reply.js';
import { modelOf } from './request-fields.js';

/** Small by default so the mock stays fast; `dimensions` in the request is honoured. */
const DEFAULT_DIMENSIONS = 16;

function inputs(body: RequestBody): unknown[] {
  return Array.isArray(body.input) && body.input.some((x) => typeof x !== 'number') ? body.input : [body.input];
}

function vector(index: number, dims: number): number[] {
  const out: number[] = [];
  for (let d = 0; d < dims; d++) out.push(Math.fround(Math.sin(index * 31 + d + 1) / Math.sqrt(dims)));
  return out;
}

export function embeddingReply(body: RequestBody, ctx: BuildContext): Reply {
  const model = modelOf(body, 'text-embedding-3-small');
  const dims = typeof body.dimensions === 'number' && Number.isInteger(body.dimensions) && body.dimensions > 0 ? body.dimensions : DEFAULT_DIMENSIONS;
  const base64 = body.encoding_format === 'base64';
  const prompt = promptTokens('/v1/embeddings', body, ctx.countTokens);
  const data = inputs(body).map((_, index) => {
    const values = vector(index, dims);
    const embedding = base64 ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values;
    return { object: 'embedding', index, embedding };
  });
  const json = { object: 'list', data, model, usage: { prompt_tokens: prompt, total_tokens: prompt } };
  const headers = providerHeaders('openai', JSON_TYPE, ctx.id('req_'), ctx.behaviour, ctx.nowMs, prompt);
  return { kind: 'json', status: 200, headers, body: JSON.stringify(json, null, 2) };
}
