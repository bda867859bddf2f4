import { jsonStringEnd, jsonStringValue, jsonUintEnd } from '../sse/json-scan.js';

const HEAD = '{"type":"content_block_delta","index":';
const TEXT_DELTA = ',"delta":{"type":"text_delta","text":';
const JSON_DELTA = ',"delta":{"type":"input_json_delta","partial_json":';
const END = '}}';

/**
 * The streamed text of the commonest Anthropic events — `{"type":"content_block_delta","index":N,"delta":
 * {"type":"text_delta","text":"…"}}` and its `input_json_delta` / `partial_json` twin — read without parsing;
 * undefined for any other text (the caller parses it). All but the index and the string is compared
 * literally and those two are checked as JSON.parse would, so a match is a valid event of that shape.
 */
export function contentBlockDeltaText(data: string): string | undefined {
  if (data.slice(0, HEAD.length) !== HEAD) return undefined;
  const at = jsonUintEnd(data, HEAD.length);
  if (at < 0) return undefined;
  let start: number;
  if (data.slice(at, at + TEXT_DELTA.length) === TEXT_DELTA) start = at + TEXT_DELTA.length;
  else if (data.slice(at, at + JSON_DELTA.length) === JSON_DELTA) start = at + JSON_DELTA.length;
  else return undefined;
  const end = jsonStringEnd(data, start);
  if (end < 0 || data.length !== end + END.length || data.slice(end) !== END) return undefined;
  return jsonStringValue(data, start, end);
}
