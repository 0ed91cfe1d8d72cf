// docs/benchmarks/throughput.svg and latency.svg, without dependencies. Throughput: per suite, a horizontal bar per variant at its median
// records/s with a min–max whisker. The scale is logarithmic: the variants span three orders of magnitude (one
// awaited publish at a time against Kafka's Java tools), and a linear axis would flatten the slow ones to nothing.

const PLOT_WIDTH = 500;
// Room for the value printed right of the whisker.
const VALUE_WIDTH = 110;
// About the width of a character of the 12 px sans-serif labels: the label column fits the longest label.
const CHAR_WIDTH = 6.6;
const TOP = 64;
const ROW = 26;
const BAR = 14;
const SUITE_GAP = 30;
const COLORS = { publish: '#3b6ea8', consume: '#3f8f5a', outbox: '#b8702d' };

const escape = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
// Three significant digits for the figures (8.02k, 141k); the ticks, powers of ten, come out as 1k, 10k, 100k.
const compact = (value) =>
  value >= 1e6
    ? `${+(value / 1e6).toPrecision(3)}M`
    : value >= 1e3
      ? `${+(value / 1e3).toPrecision(3)}k`
      : `${Math.round(value)}`;

/** The powers of ten around every figure: from the decade of the slowest minimum to above the fastest maximum. */
function decades(sections) {
  const values = sections.flatMap((section) => section.variants.flatMap((v) => [v.min, v.max]));
  const finite = values.filter((value) => Number.isFinite(value) && value > 0);
  const low = finite.length > 0 ? Math.floor(Math.log10(Math.min(...finite))) : 0;
  const high = finite.length > 0 ? Math.ceil(Math.log10(Math.max(...finite))) : 1;
  return { low, high: Math.max(high, low + 1) };
}

function axis({ low, high }, x, bottom) {
  const parts = [];
  for (let power = low; power <= high; power += 1) {
    for (const step of power < high ? [1, 2, 5] : [1]) {
      const value = step * 10 ** power;
      const major = step === 1;
      parts.push(
        `<line x1="${x(value)}" y1="${TOP - 6}" x2="${x(value)}" y2="${bottom}" stroke="${major ? '#c8c8c8' : '#ececec'}"/>`,
      );
      if (major) {
        parts.push(`<text x="${x(value)}" y="${TOP - 12}" text-anchor="middle" class="tick">${compact(value)}</text>`);
      }
    }
  }
  return parts;
}

function variantRow(variant, y, x, color, { labelWidth, plotLeft }) {
  const middle = y + ROW / 2;
  const parts = [
    `<text x="${labelWidth}" y="${middle + 4}" text-anchor="end">${escape(variant.label)}</text>`,
    `<rect x="${plotLeft}" y="${middle - BAR / 2}" width="${Math.max(1, x(variant.median) - plotLeft)}" ` +
      `height="${BAR}" fill="${color}" fill-opacity="0.85"><title>${escape(variant.label)}: median ` +
      `${Math.round(variant.median)} records/s, min ${Math.round(variant.min)}, max ${Math.round(variant.max)}, ` +
      `${variant.repetitions} repetition(s)</title></rect>`,
  ];
  if (variant.max > variant.min) {
    const [left, right] = [x(variant.min), x(variant.max)];
    parts.push(
      `<line x1="${left}" y1="${middle}" x2="${right}" y2="${middle}" stroke="#222"/>`,
      `<line x1="${left}" y1="${middle - 5}" x2="${left}" y2="${middle + 5}" stroke="#222"/>`,
      `<line x1="${right}" y1="${middle - 5}" x2="${right}" y2="${middle + 5}" stroke="#222"/>`,
    );
  }
  const valueAt = Math.max(x(variant.max), x(variant.median)) + 8;
  parts.push(`<text x="${valueAt}" y="${middle + 4}" class="value">${compact(variant.median)}/s</text>`);
  return parts;
}

/** The SVG text for a results object (bench.mjs's), every suite it holds in run order. */
export function throughputSvg(results) {
  const sections = Object.entries(results.suites)
    .filter(([, section]) => section.variants)
    .map(([id, section]) => ({ id, ...section }));
  const longest = Math.max(...sections.flatMap((section) => section.variants.map((v) => v.label.length)));
  const labelWidth = Math.max(200, Math.ceil(longest * CHAR_WIDTH) + 20);
  const plotLeft = labelWidth + 10;
  const width = plotLeft + PLOT_WIDTH + VALUE_WIDTH;
  const scale = decades(sections);
  const x = (value) => {
    const ratio = (Math.log10(Math.max(value, 10 ** scale.low)) - scale.low) / (scale.high - scale.low);
    return Math.round((plotLeft + ratio * PLOT_WIDTH) * 10) / 10;
  };
  const rows = [];
  let y = TOP;
  for (const section of sections) {
    rows.push(`<text x="10" y="${y + 18}" class="suite">${escape(section.title)}</text>`);
    y += ROW;
    for (const variant of section.variants) {
      rows.push(...variantRow(variant, y, x, COLORS[section.id] ?? '#666', { labelWidth, plotLeft }));
      y += ROW;
    }
    y += SUITE_GAP - ROW / 2;
  }
  const bottom = y - SUITE_GAP + ROW / 2;
  const height = bottom + 16;
  const caption =
    `${results.mode} run ${results.startedAt.slice(0, 10)}${results.scale === 1 ? '' : ` (N × ${results.scale})`}, ` +
    `${results.machine.cpus} CPUs, Node ${results.machine.node}, ${results.cluster.brokerCount} broker(s), ` +
    `RF ${results.cluster.replicationFactor}; bars are medians over the repetitions`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '<style>.tick{fill:#555;font-size:11px}.suite{font-weight:bold;font-size:13px}.value{fill:#222}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Throughput: median records/s per variant, ` +
      `min–max whiskers (log scale)</text>`,
    `<text x="10" y="38" class="tick">${escape(caption)}</text>`,
    ...axis(scale, x, bottom),
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}

const LATENCY_SERIES = [
  { key: 'postMs', label: 'POST /users', color: '#3b6ea8' },
  { key: 'projectionMs', label: 'POST → dashboard projection', color: '#3f8f5a' },
  { key: 'mailMs', label: 'POST → mail', color: '#b8702d' },
];

/**
 * docs/benchmarks/latency.svg: the end-to-end suite's p50 (dashed) and p99 (solid) latencies against the offered
 * rate, log scale in ms, one line per path; the offered rates are evenly spaced.
 */
export function latencySvg(results) {
  const rates = results.suites['end-to-end']?.result?.rates ?? [];
  const width = 720;
  const left = 70;
  const right = 230;
  const top = 60;
  const bottom = 330;
  const values = rates.flatMap((rate) => LATENCY_SERIES.flatMap(({ key }) => [rate[key]?.p50, rate[key]?.p99]));
  const finite = values.filter((value) => Number.isFinite(value) && value > 0);
  const low = Math.floor(Math.log10(Math.min(...finite, 10)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...finite, 100))));
  const y = (value) =>
    Math.round((bottom - ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * (bottom - top)) * 10) / 10;
  const x = (index) => left + ((index + 0.5) * (width - left - right)) / Math.max(rates.length, 1);
  const parts = [];
  for (let power = low; power <= high; power += 1) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(10 ** power)}" y2="${y(10 ** power)}" stroke="#ddd"/>`,
    );
    const tick = 10 ** power;
    const label = tick >= 1000 ? `${tick / 1000} s` : `${tick} ms`;
    parts.push(`<text x="${left - 8}" y="${y(tick) + 4}" text-anchor="end" class="tick">${label}</text>`);
  }
  rates.forEach((rate, index) => {
    parts.push(`<text x="${x(index)}" y="${bottom + 18}" text-anchor="middle" class="tick">${rate.offered}/s</text>`);
  });
  LATENCY_SERIES.forEach(({ key, label, color }, row) => {
    for (const [quantile, dash] of [
      ['p99', ''],
      ['p50', ' stroke-dasharray="5 4"'],
    ]) {
      const points = rates
        .map((rate, index) => [x(index), rate[key]?.[quantile]])
        .filter(([, value]) => Number.isFinite(value))
        .map(([px, value]) => `${px},${y(value)}`);
      if (points.length > 0) {
        parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
      }
    }
    const legendY = top + 10 + row * 22;
    parts.push(
      `<line x1="${width - right + 15}" x2="${width - right + 40}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${width - right + 46}" y="${legendY + 4}">${escape(label)}</text>`);
  });
  const legendY = top + 10 + LATENCY_SERIES.length * 22 + 8;
  parts.push(`<text x="${width - right + 15}" y="${legendY}" class="tick">solid p99, dashed p50</text>`);
  const height = bottom + 40;
  const caption = `${results.mode} run ${results.startedAt.slice(0, 10)}, ${results.machine.cpus} CPUs; open loop, latency from each request's scheduled time`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '<style>.tick{fill:#555;font-size:11px}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">End to end: latency against offered sign-ups/s (log scale)</text>`,
    `<text x="10" y="38" class="tick">${escape(caption)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
