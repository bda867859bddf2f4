import { dataUrlImageSize } from './image-size.js';

/**
 * Size assumed when an image's pixels are unknown (a remote URL): 1024×1024, which at high detail
 * costs 765 tokens (4 tiles). Documented default; a smaller image is over-reserved, a larger one under.
 */
export const DEFAULT_IMAGE_SIZE = { width: 1024, height: 1024 } as const;

/** Tokens of a low-detail image in OpenAI's tile formula. */
export const LOW_DETAIL_IMAGE_TOKENS = 85;

/**
 * OpenAI's tile formula (gpt-4o / gpt-4.1 / gpt-5 family): low detail costs 85; high detail scales the image
 * to fit 2048×2048, then its shortest side to 768, and costs 170 per 512-px tile plus 85.
 */
export function imageTokens(detail: string | undefined, width?: number, height?: number): number {
  if (detail === 'low') return LOW_DETAIL_IMAGE_TOKENS;
  let w = width && width > 0 ? width : DEFAULT_IMAGE_SIZE.width;
  let h = height && height > 0 ? height : DEFAULT_IMAGE_SIZE.height;
  if (w > 2048 || h > 2048) {
    const s = 2048 / Math.max(w, h);
    w *= s;
    h *= s;
  }
  if (Math.min(w, h) > 768) {
    const s = 768 / Math.min(w, h);
    w *= s;
    h *= s;
  }
  const tiles = Math.ceil(w / 512) * Math.ceil(h / 512);
  return 170 * tiles + 85;
}

/** Tokens of an image given by URL (data URLs are measured, remote ones use the default size). */
export function imageUrlTokens(url: string, detail: string | undefined): number {
  if (detail === 'low') return LOW_DETAIL_IMAGE_TOKENS;
  const size = dataUrlImageSize(url);
  return imageTokens(detail, size?.width, size?.height);
}
