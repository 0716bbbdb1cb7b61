// @ts-check
// What every chart of the console shares: the page's data (the JSON block the server wrote), ECharts
// loaded from the console itself (its URL is in a meta tag, so no import map and no inline script),
// colours from the stylesheet, times shown in the page's zone, and tooltips drawn on the canvas
// (renderMode 'richText': HTML tooltips would need inline styles, which the page's CSP refuses, and
// would read names as markup).

/** @returns {any} */
export function pageData() {
  const element = document.getElementById('page-data');
  return element === null ? {} : JSON.parse(element.textContent ?? '{}');
}

/** @param {string} name */
function meta(name) {
  const element = /** @type {HTMLMetaElement | null} */ (document.querySelector(`meta[name="${name}"]`));
  if (element === null) throw new Error(`no meta ${name}`);
  return element.content;
}

/** @returns {Promise<any>} */
export function loadECharts() {
  return import(meta('primoart-echarts'));
}

export function worldMapUrl() {
  return meta('primoart-world-map');
}

/** @param {string} name */
function cssColour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function palette() {
  return {
    fg: cssColour('--fg'),
    muted: cssColour('--muted'),
    line: cssColour('--line'),
    accent: cssColour('--accent'),
    ok: cssColour('--ok'),
    warn: cssColour('--warn'),
    bad: cssColour('--bad'),
    band: cssColour('--ok-bg'),
  };
}

/**
 * A function from an instant to the time ECharts should draw: the wall clock of `tz` read as UTC,
 * since ECharts draws in the browser's zone or in UTC only (charts are set to useUTC).
 * @param {string} tz
 */
export function zoneShift(tz) {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  /** @param {string | number} instant */
  return (instant) => {
    const ms = typeof instant === 'number' ? instant : Date.parse(instant);
    /** @type {Record<string, number>} */
    const parts = {};
    for (const part of format.formatToParts(new Date(ms))) parts[part.type] = Number(part.value);
    return (
      Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (ms % 1000)
    );
  };
}

/** @param {number | null | undefined} ms */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_995) return `${(ms / 1000).toFixed(2)} s`;
  // Whole seconds first, so 119.7 s is 2 min 0 s, never 1 min 60 s.
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Options every chart starts from. */
export function baseOption() {
  const colours = palette();
  return {
    useUTC: true,
    animation: false,
    textStyle: { color: colours.fg },
    grid: { left: 56, right: 16, top: 32, bottom: 56, containLabel: false },
    tooltip: { renderMode: 'richText', confine: true },
    legend: { textStyle: { color: colours.fg }, top: 0, type: 'scroll' },
  };
}

/**
 * Draws `option` in the element `id` and keeps it sized to it. Answers the chart, or undefined when
 * the page has no such element.
 * @param {any} echarts
 * @param {string} id
 * @param {any} option
 */
export function mount(echarts, id, option) {
  const element = document.getElementById(id);
  if (element === null) return undefined;
  const chart = echarts.init(element, null, { renderer: 'canvas' });
  const base = baseOption();
  chart.setOption({
    ...base,
    ...option,
    tooltip: { ...base.tooltip, ...option.tooltip },
    legend: { ...base.legend, ...option.legend },
  });
  new ResizeObserver(() => chart.resize()).observe(element);
  return chart;
}

/**
 * A waterfall: one row per item, a bar from its start to its end on a shared time axis (ms from the
 * first start), coloured by status (OK, WARNING, FAIL; a span's ERROR as FAIL). The element grows
 * with the rows so long journeys and traces stay legible.
 * @param {any} echarts
 * @param {string} id
 * @param {Array<{label: string, title: string, start_offset_ms: number, duration_ms: number, status: string}>} rows
 */
export function waterfall(echarts, id, rows) {
  const colours = palette();
  const colour = /** @param {string} status */ (status) =>
    status === 'FAIL' || status === 'ERROR' ? colours.bad : status === 'WARNING' ? colours.warn : colours.ok;
  const element = document.getElementById(id);
  if (element !== null) element.style.height = `${Math.max(160, 60 + rows.length * 28)}px`;
  return mount(echarts, id, {
    grid: { left: 160, right: 24, top: 16, bottom: 40 },
    legend: { show: false },
    tooltip: {
      trigger: 'item',
      formatter: (/** @type {any} */ item) =>
        `${item.data.row.title}\n${item.data.row.status} · starts +${formatDuration(item.data.row.start_offset_ms)} · ${formatDuration(item.data.row.duration_ms)}`,
    },
    xAxis: {
      type: 'value',
      min: 0,
      axisLabel: { formatter: formatDuration },
      splitLine: { lineStyle: { color: colours.line } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((row) => row.label),
      axisLabel: { width: 150, overflow: 'truncate' },
    },
    series: [
      {
        // The offset before each bar: stacked under it, drawn invisible.
        name: 'offset',
        type: 'bar',
        stack: 'waterfall',
        silent: true,
        itemStyle: { color: 'transparent' },
        data: rows.map((row) => row.start_offset_ms),
      },
      {
        name: 'bar',
        type: 'bar',
        stack: 'waterfall',
        barMaxWidth: 18,
        data: rows.map((row) => ({ value: row.duration_ms, row, itemStyle: { color: colour(row.status) } })),
      },
    ],
  });
}
