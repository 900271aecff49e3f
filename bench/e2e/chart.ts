import type { OpenLoopResult } from './open-loop.js';

/**
 * Latency against offered load as a small SVG (P50 and P99, log scale in ms), written
 * by hand: two polylines and axes need no plotting library.
 */
export function latencyChart(points: readonly OpenLoopResult[], title: string): string {
  const W = 640;
  const H = 360;
  const L = 60;
  const R = 20;
  const T = 40;
  const B = 50;
  const maxX = Math.max(...points.map((p) => p.offered)) * 1.05;
  const ys = points.flatMap((p) => [p.p50Ms, p.p99Ms]).filter((v) => v > 0);
  const lo = Math.max(0.1, Math.min(...ys) / 1.5);
  const hi = Math.max(...ys, 100) * 1.5;
  const x = (v: number): number => L + ((W - L - R) * v) / maxX;
  const y = (v: number): number => T + (H - T - B) * (1 - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
  const line = (pick: (p: OpenLoopResult) => number, color: string): string =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${x(p.offered).toFixed(1)},${y(pick(p)).toFixed(1)}`).join(' ')}"/>` +
    points.map((p) => `<circle cx="${x(p.offered).toFixed(1)}" cy="${y(pick(p)).toFixed(1)}" r="3" fill="${color}"/>`).join('');
  const yTicks = [0.1, 1, 10, 100, 1000, 10000].filter((v) => v >= lo && v <= hi);
  const xTicks = points.map((p) => p.offered);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    ...yTicks.map(
      (v) => `<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v} ms</text>`,
    ),
    `<line x1="${L}" y1="${y(100)}" x2="${W - R}" y2="${y(100)}" stroke="#c00" stroke-dasharray="4 4"/><text x="${W - R}" y="${y(100) - 4}" text-anchor="end" fill="#c00">P99 target 100 ms</text>`,
    ...xTicks.map((v) => `<text x="${x(v)}" y="${H - B + 16}" text-anchor="middle">${v}</text>`),
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle">offered load (requests/s, open loop)</text>`,
    line((p) => p.p50Ms, '#1f77b4'),
    line((p) => p.p99Ms, '#d62728'),
    `<text x="${L + 10}" y="${T + 14}" fill="#1f77b4">P50</text><text x="${L + 50}" y="${T + 14}" fill="#d62728">P99</text>`,
    '</svg>',
  ].join('\n');
}
