import { describe, expect, it } from 'vitest';
import { JsonTail, usageFromTail } from '../../src/proxy/json-tail.js';

const usage = { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16, completion_tokens_details: { reasoning_tokens: 2 } };

describe('usage read from the tail of a JSON reply', () => {
  it('finds the last usage object, with nested objects and braces or the key inside strings', () => {
    const reply = JSON.stringify({ choices: [{ message: { content: '"usage":{"x":1} } {' } }], usage, system_fingerprint: null });
    expect(usageFromTail(Buffer.from(reply))).toEqual({ usage });
  });

  it('reports nothing when the usage object is cut by the window or absent', () => {
    const reply = Buffer.from(JSON.stringify({ usage }));
    expect(usageFromTail(reply.subarray(0, reply.length - 5))).toBeUndefined();
    expect(usageFromTail(Buffer.from('{"choices":[]}'))).toBeUndefined();
  });

  it('keeps a bounded window over many chunks and still reads the usage at the end', () => {
    const tail = new JsonTail(1024);
    tail.push(Buffer.from('{"choices":[{"message":{"content":"'));
    for (let i = 0; i < 10_000; i++) tail.push(Buffer.alloc(100, 0x61));
    tail.push(Buffer.from(`"}}],"usage":${JSON.stringify(usage)}}`));
    expect(tail.usage()).toEqual({ usage });
  });
});
