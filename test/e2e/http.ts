import { request } from 'undici';

/** A reply read to the end, as raw bytes (no decompression, no parsing). */
export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends one request with undici's plain `request` and returns the exact bytes of the reply. */
export async function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawReply> {
  const res = await request(url, {
    method: (init.method ?? (init.body !== undefined ? 'POST' : 'GET')) as 'POST',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body,
  });
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
}

/** POSTs a JSON body. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawReply> {
  return raw(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** The SSE events of a body, in order (each with its trailing blank line). */
export function sseEvents(body: Buffer | string): string[] {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  return text.split(/(?<=\n\n)/).filter((e) => e.length > 0);
}

/** The JSON of an error reply. */
export function json(reply: RawReply): unknown {
  return JSON.parse(reply.body.toString('utf8'));
}
