/** Reading the few request fields the mock's replies depend on. Pure. */
import type { RequestBody } from './reply.js';

/** The requested model, or the route's default when the body names none. */
export function modelOf(body: RequestBody, fallback: string): string {
  return typeof body.model === 'string' && body.model !== '' ? body.model : fallback;
}

/** True when an OpenAI-format request asked for a stream. */
export function wantsStream(body: RequestBody): boolean {
  return body.stream === true;
}

/** `stream_options.include_usage` as OpenAI reads it. */
export function includeUsage(body: RequestBody): boolean {
  const options = body.stream_options;
  return typeof options === 'object' && options !== null && (options as Record<string, unknown>).include_usage === true;
}
