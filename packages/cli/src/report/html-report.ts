/**
 * `perf --report FILE.html`: one self-contained page (inline SVG and CSS, no script, nothing fetched)
 * with the workload, the result table, the latency histogram and IOPS over time.
 * @module
 */
import { latencyBins } from "../perf/latency-bins.js";
import { type PerfSummary, summaryNotes, summaryTable } from "../perf/summary.js";
import { SAMPLE_MS } from "../perf/workload.js";
import { iopsChartSvg, latencyHistogramSvg } from "./svg-charts.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The report page for a finished run. */
export function renderReport(s: PerfSummary, createdAt = new Date()): string {
  const w = s.workload;
  const l = s.total.latencyUs;
  const workload =
    `-w ${w.pattern}${w.pattern.includes("rw") ? ` -M ${w.readPercent}` : ""} -q ${w.queueDepth} -o ${w.ioSize} ` +
    `-t ${w.seconds} --qpairs ${w.qpairs}${w.workers ? ` --workers ${w.workers}` : ""}${w.verify ? " --verify" : ""}`;
  const histogram = latencyHistogramSvg(latencyBins(s.total.histogram), {
    p50: l.p50,
    p99: l.p99,
    "p99.99": l.p9999,
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nvmekit perf: ${esc(s.trid)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #111; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
pre { background: #f5f5f5; padding: 12px; overflow-x: auto; font-size: 12px; }
.kv { color: #444; }
</style>
</head>
<body>
<h1>nvmekit perf</h1>
<p class="kv">${esc(s.trid)} · <code>${esc(workload)}</code> · ${esc(createdAt.toISOString())}</p>
<p><strong>${Math.round(s.total.iops).toLocaleString("en-US")} IOPS</strong>, ${s.total.mibps.toFixed(2)} MiB/s,
average latency ${l.avg.toFixed(2)} µs (p99 ${l.p99} µs)</p>
<pre>${esc([...summaryTable(s), "", ...summaryNotes(s)].join("\n"))}</pre>
<h2>Latency histogram (all namespaces)</h2>
${histogram}
<h2>IOPS over time (${SAMPLE_MS} ms samples)</h2>
${iopsChartSvg(s.total.iopsSamples, SAMPLE_MS)}
</body>
</html>
`;
}
