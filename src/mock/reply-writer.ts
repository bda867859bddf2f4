/** Writes a built reply to the socket with the behaviour's timing, compression and faults. */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { constants, createGzip } from 'node:zlib';
import type { MockBehaviour } from './behaviour.js';
import { resetIndex } from './faults.js';
import type { JsonReply, Reply, SseReply } from './reply.js';

/** Wait `ms`; false when the request was aborted meanwhile (client gone or server closing). */
export async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return !signal.aborted;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

interface Sink {
  write(text: string, done?: () => void): void;
  end(text?: string): void;
}

function plainSink(res: ServerResponse): Sink {
  return {
    write: (text, done) => {
      res.write(text, () => done?.());
    },
    end: (text) => {
      if (text === undefined) res.end();
      else res.end(text);
    },
  };
}

/** Each write is sync-flushed so streamed events keep their cadence through compression. */
function gzipSink(res: ServerResponse): Sink {
  const gz = createGzip();
  gz.on('error', () => undefined);
  gz.pipe(res);
  return {
    write: (text, done) => {
      gz.write(text);
      gz.flush(constants.Z_SYNC_FLUSH, () => setImmediate(() => done?.()));
    },
    end: (text) => {
      if (text === undefined) gz.end();
      else gz.end(text);
    },
  };
}

function writeAndWait(sink: Sink, text: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    sink.write(text, resolve);
  });
}

/** Closes the connection mid-body so the client sees an incomplete response. */
function destroyConnection(res: ServerResponse): void {
  res.socket?.destroy();
  res.destroy();
}

export interface WriteOptions {
  behaviour: MockBehaviour;
  acceptsGzip: boolean;
  signal: AbortSignal;
}

async function writeJson(res: ServerResponse, reply: JsonReply, opts: WriteOptions): Promise<void> {
  const gzip = opts.behaviour.gzip && opts.acceptsGzip;
  const headers: Record<string, string> = { ...reply.headers };
  if (gzip) headers['content-encoding'] = 'gzip';
  else headers['content-length'] = String(Buffer.byteLength(reply.body));
  res.writeHead(reply.status, headers);
  const sink = gzip ? gzipSink(res) : plainSink(res);
  if (opts.behaviour.fault === 'reset') {
    await writeAndWait(sink, reply.body.slice(0, Math.floor(reply.body.length / 2)), opts.signal);
    destroyConnection(res);
    return;
  }
  sink.end(reply.body);
}

async function writeSse(res: ServerResponse, reply: SseReply, opts: WriteOptions): Promise<void> {
  const { behaviour, signal } = opts;
  const gzip = behaviour.gzip && opts.acceptsGzip;
  const headers: Record<string, string> = { ...reply.headers };
  if (gzip) headers['content-encoding'] = 'gzip';
  res.writeHead(reply.status, headers);
  res.flushHeaders();
  const sink = gzip ? gzipSink(res) : plainSink(res);
  const resetAt = behaviour.fault === 'reset' ? resetIndex(reply.events, behaviour.resetAfterChunks) : -1;
  for (let i = 0; i < reply.events.length; i++) {
    if (i > 0 && !(await wait(behaviour.chunkMs, signal))) return;
    if (i === resetAt) {
      destroyConnection(res);
      return;
    }
    const text = (reply.events[i] as { text: string }).text;
    // Before a reset the last event must have left the process, or the client would not see it.
    if (i === resetAt - 1) await writeAndWait(sink, text, signal);
    else sink.write(text);
  }
  sink.end();
}

/** Write `reply` honouring chunk spacing, gzip and the reset fault (latency was already waited). */
export function writeReply(res: ServerResponse, reply: Reply, opts: WriteOptions): Promise<void> {
  return reply.kind === 'json' ? writeJson(res, reply, opts) : writeSse(res, reply, opts);
}
