/** Fault shapes applied to a built reply. Pure. */
import type { Reply, SseEvent } from './reply.js';

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
