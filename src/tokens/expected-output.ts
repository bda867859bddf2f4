import type { Estimate, EstimateContext } from '../domain/estimate.js';
import type { JsonObject } from '../domain/json.js';

/**
 * Output tokens admission reserves: the request's own limit (first of `fields` present), else the agent's
 * recent output size for the model, else the configured default; times `n` choices where asked.
 */
export function expectedOutput(
  body: JsonObject,
  fields: readonly string[],
  ctx: EstimateContext,
): { outputTokens: number; outputSource: Estimate['outputSource'] } {
  const n = typeof body.n === 'number' && body.n > 1 ? Math.floor(body.n) : 1;
  for (const f of fields) {
    const v = body[f];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return { outputTokens: Math.ceil(v) * n, outputSource: 'request' };
  }
  if (ctx.recentOutputTokens !== undefined && ctx.recentOutputTokens >= 0) {
    return { outputTokens: Math.ceil(ctx.recentOutputTokens) * n, outputSource: 'recent' };
  }
  return { outputTokens: Math.max(0, Math.ceil(ctx.defaultOutputTokens)) * n, outputSource: 'default' };
}
