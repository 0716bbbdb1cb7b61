// One time-series sample as VictoriaMetrics stores it, and its Prometheus text-format line.
// The text format (rather than /api/v1/import JSON) is used because it carries NaN and ±Inf,
// which histogram sums and OTLP doubles can hold and JSON cannot. VictoriaMetrics answers 204
// even for a line it cannot parse (it logs and skips it), so every line must be valid by
// construction: names and label names are sanitised before they get here.

export interface Sample {
  name: string;
  /** Label name → value; empty values are left out (Prometheus treats them as absent). */
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestampMs: number;
}

const escapeLabelValue = (value: string): string =>
  value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** `name{a="1",b="2"} value timestamp`, labels sorted so equal samples give equal lines. */
export function exposition(sample: Sample): string {
  const labels = Object.keys(sample.labels)
    .filter((name) => sample.labels[name] !== '')
    .sort()
    .map((name) => `${name}="${escapeLabelValue(sample.labels[name] ?? '')}"`)
    .join(',');
  const series = labels === '' ? sample.name : `${sample.name}{${labels}}`;
  return `${series} ${formatValue(sample.value)} ${Math.floor(sample.timestampMs)}`;
}
