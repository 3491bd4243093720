// A hand-written SVG bar chart for bench/run.mjs: throughput per server,
// grouped by workload, on a log scale (the servers differ by orders of
// magnitude). No dependency: the chart is a few rectangles and labels.

const escape = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const COLORS = {
  bare: '#8c8c8c',
  healthz: '#b5b5b5',
  fastifyJwt: '#7b61ff',
  sqlite: '#1f6fb4',
  postgres: '#2a9d4b',
  simplejwt: '#c8372d',
  argon2: '#e08a1e',
};

const fmt = (v) =>
  v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 1 });

/**
 * `groups`: [{ title, bars: [{ label, value, colorKey }] }]. Answers the SVG
 * document as a string.
 */
export function throughputChart({ title, subtitle, groups }) {
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 10)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const left = 290;
  const plot = 520;
  const barH = 16;
  const gap = 4;
  const groupGap = 14;
  const top = 62;
  const x = (v) => left + (plot * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));

  const body = [];
  let y = top;
  for (const group of groups) {
    body.push(`<text x="12" y="${y + 12}" class="group">${escape(group.title)}</text>`);
    y += 20;
    for (const bar of group.bars) {
      const w = Math.max(1, x(bar.value) - left);
      body.push(
        `<text x="${left - 8}" y="${y + barH - 4}" class="label" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[bar.colorKey] ?? '#555'}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + barH - 4}" class="value">${escape(fmt(bar.value))}</text>`,
      );
      y += barH + gap;
    }
    y += groupGap;
  }
  const bottom = y;
  const grid = [];
  for (let v = lo; v <= hi; v *= 10) {
    const gx = x(v).toFixed(1);
    grid.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${bottom - groupGap}" class="grid"/>`,
      `<text x="${gx}" y="${top - 10}" class="axis" text-anchor="middle">${escape(fmt(v))}</text>`,
    );
  }
  const width = left + plot + 90;
  const height = bottom + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
    '<style>.title{font-size:16px;font-weight:600}.sub{font-size:11px;fill:#555}.group{font-size:13px;font-weight:600}' +
      '.label{font-size:12px}.value{font-size:11px;fill:#333}.axis{font-size:10px;fill:#666}.grid{stroke:#ddd;stroke-width:1}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" class="title">${escape(title)}</text>`,
    `<text x="12" y="38" class="sub">${escape(subtitle)}</text>`,
    ...grid,
    ...body,
    `<text x="${left}" y="${height - 8}" class="sub">requests per second, log scale</text>`,
    '</svg>',
    '',
  ].join('\n');
}
