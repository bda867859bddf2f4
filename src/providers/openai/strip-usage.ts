const WS = new Set([' ', '\t', '\n', '\r']);

/** Index just past the JSON string that opens at `i` (a `"`), or -1 if it never closes. */
function skipString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) return -1;
    let bs = 0;
    for (let k = q - 1; k > i && s[k] === '\\'; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length && WS.has(s[i] ?? '')) i++;
  return i;
}

/**
 * Remove the top-level member `"<key>": null` from a JSON object's text by cutting exactly its bytes (and one
 * adjoining comma), leaving every other byte as it was. Returns undefined when there is no such member.
 */
export function removeTopLevelNullMember(json: string, key: string): string | undefined {
  let depth = 0;
  let prevSignificant = -1; // index of the last structural character at depth 1 ('{' or ',')
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      const end = skipString(json, i);
      if (end < 0) return undefined;
      if (depth === 1) {
        const colon = skipWs(json, end);
        if (json[colon] === ':' && json.slice(i + 1, end - 1) === key) {
          const v = skipWs(json, colon + 1);
          if (json.startsWith('null', v)) {
            const valueEnd = v + 4;
            if (json[prevSignificant] === ',') return json.slice(0, prevSignificant) + json.slice(valueEnd);
            // First member: take the comma after it instead.
            const after = skipWs(json, valueEnd);
            if (json[after] === ',') return json.slice(0, i) + json.slice(skipWs(json, after + 1));
            return json.slice(0, i) + json.slice(valueEnd);
          }
        }
      }
      i = end - 1;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) prevSignificant = i;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      prevSignificant = i;
    }
  }
  return undefined;
}
