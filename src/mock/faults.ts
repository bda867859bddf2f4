/** Fault shapes applied to a built reply. Pure. */
import { openAiDefaultMessage } from './error-replies.js';
import type { Reply, SseEvent } from './reply.js';
import { dataEvent, namedEvent } from './sse.js';

/** Bytes that are not an HTTP response, for the `garbage` fault. */
export const GARBAGE = Buffer.from('HTTP/1.1 2x0 \u0000\u0001\u0002 garbage\r\n\u00ff\u00fe not http at all\r\n\r\n', 'latin1');

function cutEvent(event: SseEvent): SseEvent {
  const dataAt = event.text.indexOf('data: ');
  const payload = event.text.slice(dataAt + 6).trimEnd();
  return { text: `${event.text.slice(0, dataAt + 6)}${payload.slice(0, Math.max(1, Math.floor(payload.length / 2)))}\n\n`, content: event.content };
}

/** The `malformed` fault: a JSON body cut in half (status 200), or the first content event's JSON cut in half. */
export function malformReply(reply: Reply): Reply {
  if (reply.kind === 'json') return { ...reply, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) };
  const index = Math.max(0, reply.events.findIndex((e) => e.content));
  const events = reply.events.slice();
  const target = events[index];
  if (target !== undefined) events[index] = cutEvent(target);
  return { ...reply, events };
}

/**
 * Index of the event before which the `reset` fault destroys the socket: right after the
 * `afterChunks`-th content event, and never later than before the stream's last event
 * (so a reset stream never looks complete), never before the first event.
 */
export function resetIndex(events: readonly SseEvent[], afterChunks: number): number {
  let seen = 0;
  for (let i = 0; i < events.length; i++) {
    if (seen === afterChunks && (events[i] as SseEvent).content) return Math.max(1, i);
    if ((events[i] as SseEvent).content) seen++;
  }
  return Math.max(1, events.length - 1);
}

/** The error event each API sends inside a stream when generation fails after the response began. */
function streamErrorEvent(route: string, sequenceNumber: number): SseEvent {
  if (route === '/v1/messages') return namedEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  const message = openAiDefaultMessage(500);
  if (route === '/v1/responses') return namedEvent('error', { type: 'error', code: 'server_error', message, param: null, sequence_number: sequenceNumber });
  return dataEvent({ error: { message, type: 'server_error', param: null, code: null } });
}

/**
 * The `stream_error` fault: after `afterChunks` content events (as for `reset`) the stream carries the
 * provider's in-stream error event and then ends cleanly, without its completion event. JSON replies are whole.
 */
export function streamErrorReply(reply: Reply, route: string, afterChunks: number): Reply {
  if (reply.kind === 'json') return reply;
  const cut = resetIndex(reply.events, afterChunks);
  // Responses events are numbered from 0 in order, so the error takes the number of the first event it replaces.
  return { ...reply, events: [...reply.events.slice(0, cut), streamErrorEvent(route, cut)] };
}
