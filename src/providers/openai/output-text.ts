import type { MeteredRoute } from '../../domain/metered-route.js';
import { arr, obj } from '../../tokens/json-narrow.js';

function pushStr(out: string[], v: unknown): void {
  if (typeof v === 'string' && v.length > 0) out.push(v);
}

/** The generated text of a complete OpenAI response (content, refusals, tool-call names and arguments). */
export function openAIOutputTexts(route: MeteredRoute, json: unknown): string[] {
  const body = obj(json);
  const out: string[] = [];
  if (!body) return out;
  if (route === '/v1/responses') {
    for (const item of arr(body.output) ?? []) {
      const it = obj(item);
      if (!it) continue;
      pushStr(out, it.arguments);
      pushStr(out, it.input);
      if (it.type === 'function_call') pushStr(out, it.name);
      for (const part of arr(it.content) ?? []) pushStr(out, obj(part)?.text ?? obj(part)?.refusal);
      for (const part of arr(it.summary) ?? []) pushStr(out, obj(part)?.text);
    }
    return out;
  }
  for (const choice of arr(body.choices) ?? []) {
    const c = obj(choice);
    if (!c) continue;
    pushStr(out, c.text);
    const m = obj(c.message);
    if (!m) continue;
    pushStr(out, m.content);
    pushStr(out, m.refusal);
    for (const call of arr(m.tool_calls) ?? []) {
      const fn = obj(obj(call)?.function);
      pushStr(out, fn?.name);
      pushStr(out, fn?.arguments);
    }
    const fc = obj(m.function_call);
    pushStr(out, fc?.name);
    pushStr(out, fc?.arguments);
  }
  return out;
}
