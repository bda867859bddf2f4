import { countText, type EncodingName } from './encoding.js';
import { arr, isObj, str, type Obj } from './json-narrow.js';

// Constants of OpenAI's cookbook "How to count tokens with tiktoken" §7 (num_tokens_for_tools):
// func_init is 7 for o200k models (gpt-4o) and 10 for cl100k models (gpt-4, gpt-3.5-turbo).
const PROP_INIT = 3;
const PROP_KEY = 3;
const ENUM_INIT = -3;
const ENUM_ITEM = 3;
const FUNC_END = 12;

function stripDot(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function countProperties(props: Obj, enc: EncodingName): number {
  let n = PROP_INIT;
  for (const [key, raw] of Object.entries(props)) {
    n += PROP_KEY;
    const p = isObj(raw) ? raw : {};
    const type = str(p.type) ?? (Array.isArray(p.type) ? p.type.join('|') : 'object');
    const enumValues = arr(p.enum);
    if (enumValues) {
      n += ENUM_INIT;
      for (const item of enumValues) n += ENUM_ITEM + countText(String(item), enc);
    }
    n += countText(`${key}:${type}:${stripDot(str(p.description) ?? '')}`, enc);
    // The cookbook formula covers flat schemas; nested objects and arrays are approximated by their JSON.
    if (isObj(p.properties)) n += countProperties(p.properties, enc);
    else if (isObj(p.items)) n += countText(JSON.stringify(p.items), enc);
  }
  return n;
}

/** One function definition `{name, description, parameters}` (chat `tools[].function`, legacy `functions[]`, Responses flat tools). */
export function countFunctionDefinition(fn: Obj, enc: EncodingName): number {
  let n = enc === 'cl100k_base' ? 10 : 7;
  n += countText(`${str(fn.name) ?? ''}:${stripDot(str(fn.description) ?? '')}`, enc);
  const params = isObj(fn.parameters) ? fn.parameters : undefined;
  if (params && isObj(params.properties) && Object.keys(params.properties).length > 0) {
    n += countProperties(params.properties, enc);
  }
  return n;
}

/**
 * Tokens of a request's tool definitions: function tools by the cookbook formula (published counts match
 * exactly for flat schemas), other tools (built-in, custom) by the size of their JSON.
 */
export function countTools(tools: unknown[], enc: EncodingName): number {
  if (tools.length === 0) return 0;
  let n = 0;
  for (const t of tools) {
    if (!isObj(t)) continue;
    if (isObj(t.function)) n += countFunctionDefinition(t.function, enc);
    else if (t.type === 'function' || (t.type === undefined && str(t.name))) n += countFunctionDefinition(t, enc);
    else n += countText(JSON.stringify(t), enc);
  }
  return n + FUNC_END;
}

/**
 * Tokens of a structured-output schema (chat `response_format`, Responses `text.format`). OpenAI publishes no
 * formula: we count the schema's JSON and its name, plus the few tokens of the surrounding instruction.
 */
export function countResponseFormat(format: unknown, enc: EncodingName): number {
  if (!isObj(format)) return 0;
  if (format.type === 'json_schema') {
    const spec = isObj(format.json_schema) ? format.json_schema : format;
    const schema = spec.schema ?? {};
    return 8 + countText(str(spec.name) ?? '', enc) + countText(str(spec.description) ?? '', enc) + countText(JSON.stringify(schema), enc);
  }
  // json_object adds a short system instruction; plain text adds nothing.
  return format.type === 'json_object' ? 3 : 0;
}
