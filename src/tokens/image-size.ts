/** Pixel size of an image, read from the first bytes of a PNG, GIF, JPEG or WebP; undefined if unknown. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const b = bytes;
  const u16be = (i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  const u16le = (i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
  const u32be = (i: number): number => u16be(i) * 65536 + u16be(i + 2);
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return { width: u32be(16), height: u32be(20) };
  }
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) {
    return { width: u16le(6), height: u16le(8) };
  }
  if (b.length >= 30 && b[0] === 0x52 && b[1] === 0x49 && b[8] === 0x57 && b[9] === 0x45) {
    const chunk = String.fromCharCode(b[12] ?? 0, b[13] ?? 0, b[14] ?? 0, b[15] ?? 0);
    if (chunk === 'VP8X') return { width: 1 + (u16le(24) | ((b[26] ?? 0) << 16)), height: 1 + (u16le(27) | ((b[29] ?? 0) << 16)) };
    if (chunk === 'VP8 ') return { width: u16le(26) & 0x3fff, height: u16le(28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    return undefined;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    // Walk the JPEG segments to the first start-of-frame marker (bounded by the bytes we have).
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1] ?? 0;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: u16be(i + 7), height: u16be(i + 5) };
      }
      i += 2 + u16be(i + 2);
    }
  }
  return undefined;
}

/** Pixel size of a `data:image/...;base64,` URL, decoding only its head; undefined for remote URLs. */
export function dataUrlImageSize(url: string): { width: number; height: number } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0 || !url.slice(0, comma).endsWith(';base64')) return undefined;
  return base64ImageSize(url, comma + 1);
}

/** Pixel size of base64 image data starting at `start` of `text`, decoding only its head. */
export function base64ImageSize(text: string, start = 0): { width: number; height: number } | undefined {
  // 64 KiB of base64 covers PNG/GIF/WebP headers and the usual JPEG EXIF segments before SOF.
  const head = text.slice(start, start + 65_536);
  return imageSize(Buffer.from(head.slice(0, head.length - (head.length % 4)), 'base64'));
}
