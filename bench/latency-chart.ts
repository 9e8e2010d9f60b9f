import type { BenchResults } from './results-document';

const COLORS: Record<string, string> = {
  async: '#1f77b4',
  'semi-sync': '#d62728',
  sync: '#2ca02c',
  'quorum:2': '#9467bd',
};
const X_TICKS = [50, 90, 99, 99.9, 99.99];
const Y_TICKS = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

const nines = (p: number) => -Math.log10(1 - Math.min(p, 99.99) / 100);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Hand-written SVG: one panel per concurrency, write latency against percentile (HDR style, the
 * x axis in "nines" so the tail gets room), log-scaled milliseconds, with the floors as dashed lines.
 */
export function latencyChartSvg(results: BenchResults): string {
  const writes = results.writes ?? [];
  const concurrencies = [...new Set(writes.map((w) => w.concurrency))];
  const modes = [...new Set(writes.map((w) => w.mode))];
  const panelW = 330;
  const panelH = 260;
  const margin = { left: 58, top: 58, right: 16, bottom: 64 };
  const width = margin.left + concurrencies.length * (panelW + 24) + margin.right;
  const height = margin.top + panelH + margin.bottom + 26;
  const values = writes.flatMap((w) => w.latency.curve.filter(([p]) => p > 0 && p < 100).map(([, ms]) => ms));
  const floors = results.floor ? [results.floor.asyncFloorP50Ms, results.floor.semiSyncFloorP50Ms] : [];
  const all = [...values, ...floors].filter((v) => v > 0);
  const lo = Math.max(0.1, Math.min(...all, 10) * 0.8);
  const hi = Math.max(...all, 10) * 1.2;
  const y = (ms: number) => margin.top + panelH - ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * panelH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11" role="img" aria-labelledby="title">`,
    `<title id="title">replog write latency percentiles per acknowledgement mode and concurrency, with the physical floor</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="20" font-size="15" font-weight="bold">replog write latency by acknowledgement mode (HTTP, ${esc(results.quick ? 'quick run' : 'full run')})</text>`,
    `<text x="${margin.left}" y="38" fill="#555">${esc(`${results.machine.cpus} × ${results.machine.cpuModel}, load ${results.machine.loadAverage.join(' / ')}, ${results.startedAt}`)}</text>`,
  );
  concurrencies.forEach((c, i) => {
    const x0 = margin.left + i * (panelW + 24);
    const x = (p: number) => x0 + (nines(p) / nines(99.99)) * panelW;
    out.push(`<g>`);
    out.push(`<rect x="${x0}" y="${margin.top}" width="${panelW}" height="${panelH}" fill="#fafafa" stroke="#999"/>`);
    out.push(`<text x="${x0 + panelW / 2}" y="${margin.top - 6}" text-anchor="middle" font-weight="bold">${c} concurrent client${c === 1 ? '' : 's'}</text>`);
    for (const t of Y_TICKS.filter((t) => t >= lo && t <= hi)) {
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e3e3e3"/>`);
      if (i === 0) out.push(`<text x="${x0 - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
    }
    for (const p of X_TICKS) {
      out.push(`<line x1="${x(p).toFixed(1)}" x2="${x(p).toFixed(1)}" y1="${margin.top}" y2="${margin.top + panelH}" stroke="#e3e3e3"/>`);
      out.push(`<text x="${x(p).toFixed(1)}" y="${margin.top + panelH + 14}" text-anchor="middle">p${p}</text>`);
    }
    if (results.floor) {
      const f = results.floor;
      for (const [ms, label] of [
        [f.asyncFloorP50Ms, 'async floor'],
        [f.semiSyncFloorP50Ms, 'semi-sync floor'],
      ] as const) {
        out.push(
          `<line x1="${x0}" x2="${x0 + panelW}" y1="${y(ms).toFixed(1)}" y2="${y(ms).toFixed(1)}" stroke="#444" stroke-dasharray="5,4"/>`,
          `<text x="${x0 + 4}" y="${(y(ms) - 3).toFixed(1)}" fill="#444" font-size="10">${label} ${ms} ms</text>`,
        );
      }
    }
    for (const mode of modes) {
      const cell = writes.find((w) => w.mode === mode && w.concurrency === c);
      const points = (cell?.latency.curve ?? []).filter(([p]) => p >= 10 && p < 100);
      if (points.length === 0) continue;
      const d = points.map(([p, ms], k) => `${k === 0 ? 'M' : 'L'}${x(p).toFixed(1)},${y(ms).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${COLORS[mode] ?? '#000'}" stroke-width="2"/>`);
    }
    out.push(`</g>`);
  });
  out.push(`<text x="${margin.left - 44}" y="${margin.top + panelH / 2}" transform="rotate(-90 ${margin.left - 44} ${margin.top + panelH / 2})" text-anchor="middle">latency, ms (log scale)</text>`);
  out.push(`<text x="${width / 2}" y="${margin.top + panelH + 32}" text-anchor="middle">percentile</text>`);
  let lx = margin.left;
  const ly = margin.top + panelH + 54;
  for (const mode of modes) {
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLORS[mode] ?? '#000'}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 28}" y="${ly}">${esc(mode)}</text>`);
    lx += 110;
  }
  out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="#444" stroke-dasharray="5,4"/>`);
  out.push(`<text x="${lx + 28}" y="${ly}">physical floor (sum of raw p50s)</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
