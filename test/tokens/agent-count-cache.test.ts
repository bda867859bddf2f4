import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/json.js';
import type { MeteredRoute } from '../../src/domain/metered-route.js';
import { AgentCountCache } from '../../src/tokens/agent-count-cache.js';
import { CountCache } from '../../src/tokens/count-cache.js';
import { fingerprint, SAMPLE_CHARS } from '../../src/tokens/fingerprint.js';
import type { MissCounter } from '../../src/tokens/piece-counter.js';
import { countRequestInput } from '../../src/tokens/request-input.js';

type Message = { role: string; content: string | Array<{ type: string; text: string }> };

const LONG = 'The quick brown fox jumps over the lazy dog while the agent keeps talking. ';

/** The count with no memory of earlier requests. */
function fresh(route: MeteredRoute, body: JsonObject): number {
  return countRequestInput(route, body, new CountCache()).inputTokens;
}

function chat(messages: Message[]): JsonObject {
  return { model: 'gpt-4o', messages, tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } }] };
}

function anthropic(messages: Message[]): JsonObject {
  return { model: 'claude-x', system: 'You are terse.', messages: messages.map((m) => ({ ...m, role: m.role === 'system' ? 'user' : m.role })) };
}

/** Counts the misses handed on to the shared cache, piece by piece. */
function countingMisses(cache = new CountCache()): MissCounter & { pieces: string[] } {
  const pieces: string[] = [];
  return {
    pieces,
    piece: (kind, piece, index, count) => {
      pieces.push(`${kind}#${index}`);
      return cache.piece(kind, piece, index, count);
    },
    once: (kind, piece, count) => {
      pieces.push(kind);
      return cache.once(kind, piece, count);
    },
  };
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  // Long texts: sampled, not read in full.
  fc.tuple(fc.integer({ min: 3, max: 12 }), fc.string({ maxLength: 12 })).map(([n, tail]) => LONG.repeat(n) + tail),
);
const message: fc.Arbitrary<Message> = fc.record({
  role: fc.constantFrom('user', 'assistant', 'system'),
  content: fc.oneof(text, fc.array(text.map((t) => ({ type: 'text', text: t })), { minLength: 1, maxLength: 3 })),
});
/** What the next request does to the conversation. */
const step = fc.oneof(
  fc.record({ op: fc.constant('append' as const), message }),
  fc.record({ op: fc.constant('edit' as const), at: fc.nat(), message }),
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('agent' as const), agent: fc.constantFrom('a', 'b', 'c') }),
);

describe('AgentCountCache', () => {
  it('counts exactly what a count without it gives, over random growing, edited and shrinking conversations (chat and Anthropic)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const agents = new AgentCountCache();
        const shared = new CountCache();
        // The count without the agent cache: the per-message cache alone (its own instance).
        const reference = new CountCache();
        const convos = new Map<string, Message[]>();
        let agent = 'a';
        for (const s of steps) {
          const msgs = convos.get(agent) ?? [];
          if (s.op === 'agent') agent = s.agent;
          else if (s.op === 'append') msgs.push(s.message);
          else if (msgs.length > 0 && s.op === 'edit') msgs[s.at % msgs.length] = s.message;
          else if (msgs.length > 0 && s.op === 'drop') msgs.splice(s.at % msgs.length, 1);
          convos.set(agent, msgs);
          // Fresh objects each request, as JSON.parse gives them.
          const sent = structuredClone(convos.get(agent) ?? []);
          for (const [route, body] of [['/v1/chat/completions', chat(sent)], ['/v1/messages', anthropic(sent)]] as const) {
            expect(countRequestInput(route, body, agents.counter(agent, shared)).inputTokens).toBe(countRequestInput(route, body, reference).inputTokens);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a growing conversation hands on only its new message each turn (the rest is neither hashed nor counted)', () => {
    const agents = new AgentCountCache();
    const misses = countingMisses();
    const msgs: Message[] = [];
    for (let turn = 1; turn <= 40; turn++) {
      msgs.push({ role: turn % 2 ? 'user' : 'assistant', content: `${LONG.repeat(20)} turn ${turn}` });
      const body = chat(structuredClone(msgs));
      misses.pieces.length = 0;
      expect(countRequestInput('/v1/chat/completions', body, agents.counter('a', misses)).inputTokens).toBe(fresh('/v1/chat/completions', body));
      expect(misses.pieces).toEqual(turn === 1 ? ['oai-msg:o200k_base#0', 'oai-tools:o200k_base#0'] : [`oai-msg:o200k_base#${turn - 1}`]);
    }
  });

  it('an edit in the middle of the history recounts that message only, and the count follows the edit', () => {
    const agents = new AgentCountCache();
    const misses = countingMisses();
    const msgs: Message[] = Array.from({ length: 10 }, (_, i) => ({ role: 'user', content: `${LONG.repeat(10)}message ${i}` }));
    countRequestInput('/v1/chat/completions', chat(structuredClone(msgs)), agents.counter('a', misses));
    const edits: Array<(s: string) => string> = [
      (s) => s + ' and more', // longer
      (s) => 'X' + s.slice(1), // same length, first character
      (s) => s.slice(0, -1) + 'X', // same length, last character
      (s) => s.slice(0, SAMPLE_CHARS) + 'X' + s.slice(SAMPLE_CHARS + 1), // same length, first strided sample
    ];
    for (const edit of edits) {
      const before = fresh('/v1/chat/completions', chat(msgs));
      msgs[4] = { role: 'user', content: edit(msgs[4]?.content as string) };
      const body = chat(structuredClone(msgs));
      misses.pieces.length = 0;
      const got = countRequestInput('/v1/chat/completions', body, agents.counter('a', misses)).inputTokens;
      expect(got).toBe(fresh('/v1/chat/completions', body));
      expect(misses.pieces).toEqual(['oai-msg:o200k_base#4']);
      if (edit === edits[0]) expect(got).toBeGreaterThan(before);
    }
  });

  it('keeps agents apart: one agent’s history never answers for another’s', () => {
    const agents = new AgentCountCache();
    const misses = countingMisses();
    const msgs: Message[] = [{ role: 'user', content: 'hello there' }, { role: 'assistant', content: LONG.repeat(5) }];
    countRequestInput('/v1/chat/completions', chat(msgs), agents.counter('a', misses));
    misses.pieces.length = 0;
    countRequestInput('/v1/chat/completions', chat(msgs), agents.counter('b', misses));
    expect(misses.pieces).toEqual(['oai-msg:o200k_base#0', 'oai-msg:o200k_base#1', 'oai-tools:o200k_base#0']);
    // And an agent's state is per place in the request: the same text as a system prompt is not a message.
    misses.pieces.length = 0;
    countRequestInput('/v1/messages', { model: 'claude-x', system: 'hello there', messages: [] }, agents.counter('a', misses));
    expect(misses.pieces).toEqual(['ant-sys#0']);
  });

  it('a probe reports the new text without counting or remembering anything', () => {
    const agents = new AgentCountCache();
    const msgs: Message[] = [{ role: 'user', content: LONG.repeat(100) }];
    const first = agents.probe('a');
    countRequestInput('/v1/chat/completions', { model: 'gpt-4o', messages: msgs }, first);
    expect(first.uncoveredChars).toBe(4 + LONG.length * 100);
    expect(agents.stats().sequences).toBe(0);
    countRequestInput('/v1/chat/completions', { model: 'gpt-4o', messages: msgs }, agents.counter('a', new CountCache()));
    msgs.push({ role: 'assistant', content: 'ok' });
    const next = agents.probe('a');
    const body = { model: 'gpt-4o', messages: msgs };
    countRequestInput('/v1/chat/completions', body, next);
    expect(next.uncoveredChars).toBe('assistant'.length + 2);
    // Its counter counts the probed body (reusing the probe's fingerprints) and remembers it.
    const misses = countingMisses();
    expect(countRequestInput('/v1/chat/completions', body, next.counter(misses)).inputTokens).toBe(fresh('/v1/chat/completions', body));
    expect(misses.pieces).toEqual(['oai-msg:o200k_base#1']);
    const again = agents.probe('a');
    countRequestInput('/v1/chat/completions', body, again);
    expect(again.uncoveredChars).toBe(0);
  });

  it('holds at most its bounds, dropping the least recently used agents', () => {
    const agents = new AgentCountCache({ maxSequences: 10, maxPieces: 200 });
    const shared = new CountCache();
    const msgs: Message[] = Array.from({ length: 30 }, (_, i) => ({ role: 'user', content: `m${i}` }));
    for (let i = 0; i < 100; i++) countRequestInput('/v1/chat/completions', { model: 'gpt-4o', messages: msgs }, agents.counter(`agent-${i}`, shared));
    const { sequences, pieces } = agents.stats();
    expect(sequences).toBeLessThanOrEqual(10);
    expect(pieces + sequences).toBeLessThanOrEqual(200);
    expect(pieces).toBeGreaterThan(0);
    // The most recent agent is still remembered; the first is gone.
    const misses = countingMisses(shared);
    countRequestInput('/v1/chat/completions', { model: 'gpt-4o', messages: msgs }, agents.counter('agent-99', misses));
    expect(misses.pieces).toEqual([]);
    countRequestInput('/v1/chat/completions', { model: 'gpt-4o', messages: msgs }, agents.counter('agent-0', misses));
    expect(misses.pieces).toHaveLength(30);
  });
});

describe('fingerprint', () => {
  it('tells apart values that differ in type, length, key order, head, tail or a sampled character', () => {
    const long = LONG.repeat(50);
    const variants: unknown[] = [
      '1',
      1,
      [1],
      { 1: 1 },
      null,
      true,
      false,
      { role: 'user', content: 'hi' },
      { content: 'hi', role: 'user' },
      long,
      long + ' ',
      'X' + long.slice(1),
      long.slice(0, -1) + 'X',
      long.slice(0, SAMPLE_CHARS) + 'X' + long.slice(SAMPLE_CHARS + 1),
      1.5,
      2 ** 40,
    ];
    const fps = variants.map(fingerprint);
    expect(new Set(fps).size).toBe(variants.length);
    expect(fingerprint(structuredClone(variants))).toBe(fingerprint(variants));
    for (const fp of fps) expect(Number.isSafeInteger(fp)).toBe(true);
  });
});
