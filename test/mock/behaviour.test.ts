import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOUR, FAULTS, parseBehaviourHeader, validateBehaviour } from '../../src/mock/behaviour.js';

describe('x-mock-behaviour header', () => {
  it('reads key=value pairs separated by commas or semicolons', () => {
    expect(parseBehaviourHeader('chunks=3, chunkMs=50; gzip=true')).toEqual({ chunks: 3, chunkMs: 50, gzip: true });
  });

  it('reads JSON', () => {
    expect(parseBehaviourHeader('{"fault":"reset","resetAfterChunks":2,"seed":"a"}')).toEqual({ fault: 'reset', resetAfterChunks: 2, seed: 'a' });
  });

  it('maps status shorthands to faults, an explicit errorStatus winning', () => {
    expect(parseBehaviourHeader('fault=429')).toEqual({ fault: 'rate_limit' });
    expect(parseBehaviourHeader('fault=500')).toEqual({ fault: 'error', errorStatus: 500 });
    expect(parseBehaviourHeader('errorStatus=503,fault=500')).toEqual({ fault: 'error', errorStatus: 503 });
    expect(parseBehaviourHeader('{"fault":529}')).toEqual({ fault: 'error', errorStatus: 529 });
  });

  it('names the offending field', () => {
    expect(parseBehaviourHeader('chunks=-1')).toBe('chunks: expected a non-negative integer');
    expect(parseBehaviourHeader('colour=red')).toBe('colour: unknown behaviour key');
    expect(parseBehaviourHeader('fault=explode')).toMatch(/^fault: expected one of none, error/);
    expect(parseBehaviourHeader('fault=200')).toBe('fault: status 200 is not 400-599');
    expect(parseBehaviourHeader('gzip=yes')).toBe('gzip: expected true or false');
    expect(parseBehaviourHeader('{nope')).toBe('x-mock-behaviour: not valid JSON');
    expect(parseBehaviourHeader('[1]')).toBe('x-mock-behaviour: expected key=value, got "[1]"');
  });

  it('round-trips any valid behaviour through JSON', () => {
    const behaviour = fc.record(
      {
        latencyMs: fc.nat(10_000),
        chunks: fc.nat(100),
        outputTokens: fc.nat(5000),
        fault: fc.constantFrom(...FAULTS),
        gzip: fc.boolean(),
        retryAfterSeconds: fc.double({ min: 0, max: 100, noNaN: true }),
        seed: fc.string(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(behaviour, (b) => {
        expect(parseBehaviourHeader(JSON.stringify(b))).toEqual(b);
      }),
    );
  });

  it('accepts the defaults themselves', () => {
    expect(validateBehaviour({ ...DEFAULT_BEHAVIOUR })).toEqual(DEFAULT_BEHAVIOUR);
  });
});
