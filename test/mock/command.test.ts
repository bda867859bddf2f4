import { describe, expect, it } from 'vitest';
import { runMockProviderCommand, type CommandIo } from '../../src/mock/command.js';

function io(signal?: AbortSignal): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), ...(signal ? { signal } : {}) };
}

describe('runMockProviderCommand', () => {
  it('serves with the flags’ behaviour until stopped, then exits 0', async () => {
    const controller = new AbortController();
    const out = io(controller.signal);
    const exit = runMockProviderCommand(['--port', '0', '--chunks', '2', '--output-tokens', '4', '--latency-ms', '0', '--chunk-ms', '0'], out);
    for (let i = 0; i < 200 && out.lines.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const url = /listening on (http:\/\/[^ ]+)/.exec(out.lines[0] ?? '')?.[1];
    expect(url).toBeDefined();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const contentEvents = (await res.text()).split('\n\n').filter((e) => e.includes('"content":"') && !e.includes('"role"'));
    expect(contentEvents).toHaveLength(2);
    controller.abort();
    expect(await exit).toBe(0);
    expect(out.lines.at(-1)).toBe('mock provider stopped');
  });

  it('exits 2 naming the bad flag', async () => {
    const unknown = io();
    expect(await runMockProviderCommand(['--colour', 'red'], unknown)).toBe(2);
    expect(unknown.errors[0]).toMatch(/--colour/);
    const negative = io();
    expect(await runMockProviderCommand(['--chunk-ms=-5'], negative)).toBe(2);
    expect(negative.errors[0]).toBe('token-ninja mock: --chunk-ms: expected a non-negative integer');
    const port = io();
    expect(await runMockProviderCommand(['--port', '70000'], port)).toBe(2);
    expect(port.errors[0]).toBe('token-ninja mock: --port: expected an integer 0-65535');
  });

  it('prints usage for --help', async () => {
    const help = io();
    expect(await runMockProviderCommand(['--help'], help)).toBe(0);
    expect(help.lines[0]).toMatch(/^Usage: token-ninja mock/);
  });
});
