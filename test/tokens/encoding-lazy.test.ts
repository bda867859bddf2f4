import { describe, expect, it } from 'vitest';
import { countText, encodingLoaded } from '../../src/tokens/encoding.js';

// Its own file: the module registry is fresh, so no other test has counted with an encoding yet.
describe('encoding tables', () => {
  it('are loaded when a model that needs them is first counted, each on its own', () => {
    expect(encodingLoaded('o200k_base')).toBe(false);
    expect(encodingLoaded('cl100k_base')).toBe(false);
    expect(countText('hello world', 'o200k_base')).toBe(2);
    expect(encodingLoaded('o200k_base')).toBe(true);
    expect(encodingLoaded('cl100k_base')).toBe(false);
    expect(countText('hello world', 'cl100k_base')).toBe(2);
    expect(encodingLoaded('cl100k_base')).toBe(true);
  });
});
