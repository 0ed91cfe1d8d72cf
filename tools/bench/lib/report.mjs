// Median and spread per variant, and the markdown tables of docs/benchmarks.md: one per suite, with its ratios.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Per variant, in the suite's order: records per repetition, median and min–max of records/s. */
export function summarize(variants, runs) {
  return variants.map(({ id, label }) => {
    const rates = runs.filter((run) => run.variant === id).map((run) => run.recordsPerSecond);
    return {
      id,
      label,
      repetitions: rates.length,
      records: runs.find((run) => run.variant === id)?.records,
      median: median(rates),
      min: Math.min(...rates),
      max: Math.max(...rates),
    };
  });
}

const perSecond = (value) => Math.round(value).toLocaleString('en-US');
const ratio = (value) => (Number.isFinite(value) ? value.toFixed(3) : 'n/a');

/** One suite's heading line, variant table and ratio table. */
export function suiteMarkdown(results, section) {
  const lines = [
    `${section.title}, ${results.mode} run (${results.startedAt}, ${results.machine.cpus} CPUs, ` +
      `Node ${results.machine.node}): ${section.description}`,
    '',
    '| Variant | Records per repetition | Repetitions | Median records/s | Min–max records/s |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...section.variants.map(
      (variant) =>
        `| ${variant.label} | ${variant.records.toLocaleString('en-US')} | ${variant.repetitions} | ` +
        `${perSecond(variant.median)} | ${perSecond(variant.min)}–${perSecond(variant.max)} |`,
    ),
  ];
  if (section.ratios.length > 0) {
    lines.push('', '| Ratio (medians, this run) | Value |', '| --- | ---: |');
    for (const { label, value } of section.ratios) lines.push(`| ${label} | ${ratio(value)} |`);
  }
  return lines.join('\n');
}

export function markdownTables(results) {
  return Object.values(results.suites)
    .map((section) => (section.markdown ? section.markdown : suiteMarkdown(results, section)))
    .join('\n\n');
}
