import { describe, expect, it } from 'vitest';
import { imageSize } from '../../src/tokens/image-size.js';
import { imageTokens, imageUrlTokens } from '../../src/tokens/image-tokens.js';

function pngHeader(w: number, h: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
}

// Worked examples from OpenAI's vision guide ("Calculating costs"): 1024×1024 high = 765; 2048×4096 high = 1105; low = 85.
describe('OpenAI image tokens', () => {
  it.each([
    [1024, 1024, 765],
    [2048, 4096, 1105],
    [512, 512, 255],
    [4096, 8192, 1105],
  ])('%i×%i high detail = %i', (w, h, n) => {
    expect(imageTokens('high', w, h)).toBe(n);
  });
  it('low detail is 85 whatever the size', () => {
    expect(imageTokens('low', 4096, 4096)).toBe(85);
  });
  it('unknown size uses the documented default (1024×1024 → 765)', () => {
    expect(imageUrlTokens('https://example.com/a.jpg', 'auto')).toBe(765);
  });
  it('measures a data URL', () => {
    expect(imageUrlTokens(`data:image/png;base64,${pngHeader(512, 512).toString('base64')}`, 'high')).toBe(255);
  });
  it('reads PNG, GIF and JPEG sizes', () => {
    expect(imageSize(pngHeader(640, 480))).toEqual({ width: 640, height: 480 });
    const gif = Buffer.from('GIF89a\x20\x03\x58\x02', 'latin1');
    expect(imageSize(gif)).toEqual({ width: 800, height: 600 });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, 0, 0, 0, 0]);
    expect(imageSize(jpeg)).toEqual({ width: 640, height: 480 });
    expect(imageSize(Buffer.from('nope'))).toBeUndefined();
  });
});
