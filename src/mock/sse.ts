/** SSE framing exactly as the providers send it: compact JSON, one blank line after each event. */
import type { SseEvent } from './reply.js';

/** OpenAI chat/completions style: `data: {...}\n\n`. */
export function dataEvent(payload: unknown, content = false): SseEvent {
  return { text: `data: ${JSON.stringify(payload)}\n\n`, content };
}

/** Anthropic and OpenAI Responses style: `event: name\ndata: {...}\n\n`. */
export function namedEvent(name: string, payload: unknown, content = false): SseEvent {
  return { text: `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`, content };
}

/** The OpenAI stream terminator. */
export const DONE_EVENT: SseEvent = { text: 'data: [DONE]\n\n', content: false };
