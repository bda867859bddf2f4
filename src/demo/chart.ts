/** The demo's chart: each agent's allocation over time as an SVG line chart (pure: data in, text out). */
import { escapeXml } from '../simulate/xml-escape.js';

export interface ChartSeries {
  agent: string;
  /** Seconds into the run and tokens per minute. */
  points: ReadonlyArray<{ t: number; value: number }>;
  /** Drawn dashed (e.g. the wasteful agents). */
  dashed?: boolean;
}

const COLOURS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#1f78b4', '#666666', '#b2182b'];

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${Math.round(v)}`;
}

/** Renders the allocation chart. */
export function renderAllocationChart(series: readonly ChartSeries[], options: { title: string; seconds: number }): string {
  const W = 960;
  const H = 480;
  const m = { left: 70, right: 170, top: 40, bottom: 50 };
  const w = W - m.left - m.right;
  const h = H - m.top - m.bottom;
  const maxV = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.value))));
  const maxT = Math.max(1, options.seconds);
  const x = (t: number) => m.left + (Math.min(Math.max(t, 0), maxT) / maxT) * w;
  const y = (v: number) => m.top + h - (v / maxV) * h;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${m.left}" y="24" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (maxV * i) / 5;
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${m.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
    const t = (maxT * i) / 5;
    parts.push(`<text x="${x(t).toFixed(1)}" y="${m.top + h + 18}" text-anchor="middle">${Math.round(t)}s</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + h}" stroke="#333"/>`);
  parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${m.top + h}" y2="${m.top + h}" stroke="#333"/>`);
  parts.push(`<text x="${m.left + w / 2}" y="${H - 10}" text-anchor="middle">seconds into the run</text>`);
  parts.push(`<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">allocation, tokens/min</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    if (s.points.length > 0) {
      // Steps, since an allocation holds for the whole tick.
      let d = `M${x(s.points[0]!.t).toFixed(1)},${y(s.points[0]!.value).toFixed(1)}`;
      for (let k = 1; k < s.points.length; k++) d += ` H${x(s.points[k]!.t).toFixed(1)} V${y(s.points[k]!.value).toFixed(1)}`;
      d += ` H${x(maxT).toFixed(1)}`;
      parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    const ly = m.top + 10 + i * 20;
    parts.push(`<line x1="${m.left + w + 15}" x2="${m.left + w + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${m.left + w + 46}" y="${ly + 4}">${escapeXml(s.agent)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
