/** What a route builder returns: plain data the server then writes with the behaviour's timing and faults. */
import type { MockBehaviour } from './behaviour.js';
import type { TokenCounter } from './prompt-tokens.js';

/** One SSE event, already formatted (`event: …\ndata: …\n\n`). `content` marks the generated-text deltas. */
export interface SseEvent {
  text: string;
  content: boolean;
}

/** A complete JSON body. */
export interface JsonReply {
  kind: 'json';
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A server-sent-event stream. */
export interface SseReply {
  kind: 'sse';
  status: number;
  headers: Record<string, string>;
  events: SseEvent[];
}

export type Reply = JsonReply | SseReply;

/** Everything a builder may use besides the request body. */
export interface BuildContext {
  behaviour: MockBehaviour;
  /** Unix ms, from the server's clock. */
  nowMs: number;
  /** A response id with the given prefix (stable per prefix when the behaviour has a seed). */
  id(prefix: string): string;
  countTokens: TokenCounter;
}

/** A JSON request body as parsed. */
export type RequestBody = Record<string, unknown>;
