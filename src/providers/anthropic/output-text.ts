/** The generated text of a complete `/v1/messages` response: text, thinking, tool-use names and inputs. */
export function anthropicOutputTexts(json: unknown): string[] {
  if (typeof json !== 'object' || json === null) return [];
  const content = (json as Record<string, unknown>).content;
  const out: string[] = [];
  for (const block of Array.isArray(content) ? content : []) {
    if (typeof block !== 'object' || block === null) continue;
    const b = block as Record<string, unknown>;
    if (typeof b.text === 'string') out.push(b.text);
    if (typeof b.thinking === 'string') out.push(b.thinking);
    if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      if (typeof b.name === 'string') out.push(b.name);
      out.push(JSON.stringify(b.input ?? {}));
    }
  }
  return out;
}
