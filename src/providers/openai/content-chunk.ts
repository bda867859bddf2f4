import { jsonStringEnd, jsonStringValue, jsonUintEnd } from '../sse/json-scan.js';

const CHOICES_KEY = ',"choices":';
const DELTA_HEAD = '[{"index":';
const CONTENT_KEY = ',"delta":{"content":';
const CHOICE_TAIL = '},"logprobs":null,"finish_reason":null}]';
const USAGE_NULL_TAIL = ',"usage":null}';
const END = CHOICE_TAIL + '}';
const END_USAGE_NULL = CHOICE_TAIL + USAGE_NULL_TAIL;

/**
 * The text a chat stream's content chunks share up to their choice's index (`{"id":…,"model":…,"choices":`
 * and `[{"index":`), taken from a chunk already parsed as `parsed`; undefined unless the part before `[` is it is a cut after a top-level key (so any text
 * that starts with it and is valid JSON is valid exactly when `{"choices":` plus the rest is) and holds no
 * `usage` member (so dropping it drops nothing the meter reads).
 */
export function contentChunkHead(data: string, parsed: Record<string, unknown>): string | undefined {
  const at = data.indexOf(CHOICES_KEY);
  if (at < 0 || !Array.isArray(parsed.choices)) return undefined;
  const prefix = data.slice(0, at + CHOICES_KEY.length);
  if (prefix.includes('"usage"') || prefix.indexOf('"choices"') !== at + 1) return undefined;
  const keys = Object.keys(parsed);
  let members: unknown;
  try {
    members = JSON.parse(prefix + '0}');
  } catch {
    return undefined;
  }
  // The cut is at depth 1 exactly when the prefix alone parses to the chunk's keys up to `choices`.
  const headKeys = Object.keys(members as Record<string, unknown>);
  const upTo = keys.indexOf('choices') + 1;
  if (headKeys.length !== upTo) return undefined;
  for (let k = 0; k < upTo; k++) if (headKeys[k] !== keys[k]) return undefined;
  return prefix + DELTA_HEAD;
}

/**
 * The streamed text of the commonest chunk — `<head>N,"delta":{"content":"…"},"logprobs":null,
 * "finish_reason":null}]` then `}` or `,"usage":null}` — read without parsing it; undefined for any other text
 * (the caller parses it). Every other byte is compared literally and the string and index are checked as
 * JSON.parse would, so a match is a valid chunk that carries no usage.
 */
export function contentChunkText(data: string, head: string): string | undefined {
  // Slice-and-compare: V8 compares flat strings with memcmp, several times faster than startsWith here.
  if (data.slice(0, head.length) !== head) return undefined;
  const at = jsonUintEnd(data, head.length);
  if (at < 0 || data.slice(at, at + CONTENT_KEY.length) !== CONTENT_KEY) return undefined;
  const start = at + CONTENT_KEY.length;
  const end = jsonStringEnd(data, start);
  if (end < 0) return undefined;
  const tail = data.slice(end);
  if (tail !== END && tail !== END_USAGE_NULL) return undefined;
  return jsonStringValue(data, start, end);
}

/** Whether a chunk matched by {@link contentChunkText} ends in the `"usage":null` member. */
export function endsWithUsageNull(data: string): boolean {
  return data.endsWith(USAGE_NULL_TAIL);
}
