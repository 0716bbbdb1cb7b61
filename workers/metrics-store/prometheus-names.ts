// OpenTelemetry → Prometheus names, after the OpenTelemetry "Prometheus and OpenMetrics
// compatibility" spec: sanitised characters, UCUM units as word suffixes, `_total` for counters.

/**
 * Any character outside [a-zA-Z0-9_:] becomes `_`, runs of `_` collapse, leading and trailing
 * `_` go, and then a leading digit gets `_` (a name may not start with one).
 */
export function metricNameCharacters(name: string): string {
  const replaced = name
    .replace(/[^a-zA-Z0-9_:]/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^_+|_+$/g, '');
  if (replaced === '') return '_';
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

/**
 * Attribute key → label name: invalid characters become `_`; a leading digit gets `key_`, a
 * leading `_` gets `key` (as the OpenTelemetry Collector's translator does), so that no client
 * attribute can name a label Prometheus reserves (`__name__`, and every `__…`).
 */
export function labelName(key: string): string {
  const replaced = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (replaced === '') return 'key_';
  if (/^[0-9]/.test(replaced)) return `key_${replaced}`;
  return replaced.startsWith('_') ? `key${replaced}` : replaced;
}

/**
 * Metric names that are ours or VictoriaMetrics' own: `up` and `scrape_*` (written by its scrapes of
 * our processes, `up` is what the ProcessDown rule watches), PrimoART's own `primoart_*` series,
 * `target_info` (written from each point's resource) and the `ALERTS` series of rule evaluation.
 */
const reservedMetricName = /^(up|target_info|ALERTS|ALERTS_FOR_STATE)$|^(primoart|scrape)(_|$)/;

/** The prefix a client metric with a reserved name gets: `up` → `otel_up`. */
export const reservedNamePrefix = 'otel_';

export function isReservedMetricName(name: string): boolean {
  return reservedMetricName.test(name);
}

const unitWords: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

const perUnitWords: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const unitWord = (unit: string, words: Record<string, string>): string =>
  words[unit] ?? unit.replace(/[^a-zA-Z0-9]/g, '');

/** The suffix words of a UCUM unit: `By` → bytes, `By/s` → bytes_per_second, `{request}` → none. */
export function unitSuffix(unit: string): string {
  const withoutAnnotations = unit.replace(/\{[^}]*\}/g, '').trim();
  if (withoutAnnotations === '' || withoutAnnotations === '1') return '';
  const [main = '', per = ''] = withoutAnnotations.split('/', 2);
  const parts = [unitWord(main, unitWords)];
  if (per !== '') parts.push('per', unitWord(per, perUnitWords));
  return parts.filter((part) => part !== '').join('_');
}

export interface MetricShape {
  unit: string;
  /** A monotonic cumulative sum: a Prometheus counter. */
  counter: boolean;
  /** A gauge (or non-monotonic sum) whose unit is `1`: gets `_ratio`. */
  ratio: boolean;
}

/** The Prometheus name of an OTLP metric, without the `_bucket`/`_sum`/`_count` of histograms. */
export function prometheusMetricName(otelName: string, shape: MetricShape): string {
  let name = metricNameCharacters(otelName);
  const appendOnce = (suffix: string) => {
    if (suffix !== '' && !name.endsWith(`_${suffix}`) && name !== suffix) name = `${name}_${suffix}`;
  };
  const tokens = new Set(name.split('_'));
  const suffix = unitSuffix(shape.unit);
  // A name that already says its unit (http_request_duration_seconds) is not told twice.
  if (suffix !== '' && !suffix.split('_').every((word) => tokens.has(word))) appendOnce(suffix);
  if (shape.ratio && shape.unit.trim() === '1') appendOnce('ratio');
  if (shape.counter) {
    name = name.replace(/_total$/, '');
    name = `${name}_total`;
  }
  // Checked on the finished name: `primoart` with unit `s` would otherwise become ours.
  return isReservedMetricName(name) ? `${reservedNamePrefix}${name}` : name;
}
