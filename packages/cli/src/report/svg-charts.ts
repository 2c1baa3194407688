/**
 * The report's two charts as inline SVG (no script, no external resource): the latency histogram
 * (bars on a logarithmic latency axis, percentile markers) and IOPS over time (a line).
 * @module
 */
import type { LatencyBin } from "../perf/latency-bins.js";

const W = 900;
const H = 320;
const M = { left: 70, right: 20, top: 20, bottom: 50 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A short number for an axis: 950, 1.2k, 3.4M. */
export function shortNumber(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${+n.toPrecision(3)}`;
}

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>` +
    `<line x1="${M.left}" y1="${M.top + PH}" x2="${M.left + PW}" y2="${M.top + PH}" stroke="#333"/>` +
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + PH}" stroke="#333"/>` +
    `<text x="${M.left + PW / 2}" y="${H - 10}" text-anchor="middle" font-size="13">${esc(xLabel)}</text>` +
    `<text x="16" y="${M.top + PH / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 16 ${M.top + PH / 2})">${esc(yLabel)}</text>` +
    body +
    "</svg>"
  );
}

function yAxis(max: number): string {
  let s = "";
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = M.top + PH - (PH * i) / 4;
    s += `<line x1="${M.left - 4}" y1="${y}" x2="${M.left + PW}" y2="${y}" stroke="#ddd"/>`;
    s += `<text x="${M.left - 8}" y="${y + 4}" text-anchor="end" font-size="11">${shortNumber(v)}</text>`;
  }
  return s;
}

/** The latency histogram: bar heights are I/O counts, x is log-scaled latency; `marks` are percentile lines. */
export function latencyHistogramSvg(
  bins: readonly LatencyBin[],
  marks: Readonly<Record<string, number>>,
): string {
  if (bins.length === 0) return frame("Latency histogram", "latency (µs)", "I/Os", "");
  const lo = Math.log10(bins[0]!.fromUs);
  const hi = Math.log10(bins[bins.length - 1]!.toUs);
  const x = (us: number) => M.left + ((Math.log10(us) - lo) / Math.max(1e-9, hi - lo)) * PW;
  const max = Math.max(1, ...bins.map((b) => b.count));
  let body = yAxis(max);
  for (const b of bins) {
    const h = (b.count / max) * PH;
    const x0 = x(b.fromUs);
    body += `<rect x="${x0.toFixed(1)}" y="${(M.top + PH - h).toFixed(1)}" width="${Math.max(1, x(b.toUs) - x0 - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#3b82f6"><title>${shortNumber(b.fromUs)}–${shortNumber(b.toUs)} µs: ${b.count} I/Os</title></rect>`;
  }
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    body += `<text x="${x(10 ** e).toFixed(1)}" y="${M.top + PH + 16}" text-anchor="middle" font-size="11">${shortNumber(10 ** e)}</text>`;
  }
  body += `<text x="${M.left}" y="${M.top + PH + 30}" font-size="11">${shortNumber(bins[0]!.fromUs)}</text>`;
  body += `<text x="${M.left + PW}" y="${M.top + PH + 30}" text-anchor="end" font-size="11">${shortNumber(bins[bins.length - 1]!.toUs)}</text>`;
  Object.entries(marks).forEach(([name, us], i) => {
    const xv = x(Math.min(Math.max(us, bins[0]!.fromUs), bins[bins.length - 1]!.toUs));
    const xm = xv.toFixed(1);
    // Labels near the right edge go to the left of their line so they stay inside the chart.
    const left = xv > M.left + PW * 0.8;
    body += `<line x1="${xm}" y1="${M.top}" x2="${xm}" y2="${M.top + PH}" stroke="#dc2626" stroke-dasharray="4 3"/>`;
    body += `<text x="${xm}" y="${M.top + 12 + 13 * i}" font-size="11" fill="#dc2626" dx="${left ? -3 : 3}" text-anchor="${left ? "end" : "start"}">${esc(name)} ${shortNumber(us)} µs</text>`;
  });
  return frame("Latency histogram", "latency (µs, log scale)", "I/Os", body);
}

/** IOPS over time: one point per sample of `intervalMs`. */
export function iopsChartSvg(samples: readonly number[], intervalMs: number): string {
  const max = Math.max(1, ...samples);
  const seconds = (samples.length * intervalMs) / 1000;
  const x = (i: number) => M.left + (samples.length <= 1 ? PW / 2 : (i / (samples.length - 1)) * PW);
  const y = (v: number) => M.top + PH - (v / max) * PH;
  let body = yAxis(max);
  const points = samples.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  if (samples.length > 0)
    body += `<polyline points="${points}" fill="none" stroke="#16a34a" stroke-width="2"/>`;
  // Ticks every 0.5, 1, 2, 5, 10... seconds, at most about ten of them.
  const step = [0.5, 1, 2, 5, 10, 30, 60, 300, 600, 3600].find((s) => seconds / s <= 10) ?? 3600;
  const span = Math.max(seconds - intervalMs / 1000, 1e-9);
  for (let t = 0; t <= span + 1e-9; t += step) {
    const xt = M.left + (PW * t) / span;
    body += `<text x="${xt.toFixed(1)}" y="${M.top + PH + 16}" text-anchor="middle" font-size="11">${shortNumber(t)}</text>`;
  }
  return frame("IOPS over time", "time (s)", "IOPS", body);
}
