// @ts-check
// The transaction page's charts: durations with the band, forecast, marked runs, events and
// maintenance windows; the locations map; weekday × hour; the distribution.
import { formatDuration, loadECharts, mount, pageData, palette, worldMapUrl, zoneShift } from './charts.js';

const data = pageData();
const echarts = await loadECharts();
const colours = palette();
const shift = zoneShift(data.tz);
const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** The middle of a point's interval, where its figures are drawn. @param {{from: string, to: string}} point */
const middle = (point) => shift((Date.parse(point.from) + Date.parse(point.to)) / 2);

/** @param {any[]} points @param {(point: any) => number | null | undefined} value */
const line = (points, value) => points.map((point) => [middle(point), value(point) ?? null]);

function durationChart() {
  const points = data.points;
  const severityColour = /** @param {string} severity */ (severity) =>
    severity === 'normal' ? colours.ok : severity === 'warning' ? colours.warn : colours.bad;
  const eventLines = data.events.map((/** @type {any} */ event) => ({
    xAxis: shift(event.at),
    name: `${event.action} ${event.kind}${event.location ? ` @ ${event.location}` : ''}`,
    lineStyle: { color: severityColour(event.severity), type: event.action === 'clear' ? 'dashed' : 'solid' },
    label: { show: false },
  }));
  const windows = data.windows.map((/** @type {any} */ window) => [
    { xAxis: shift(window.from), name: window.name ?? 'maintenance' },
    { xAxis: shift(window.to) },
  ]);
  // The forecast is per UTC day: drawn at the day's noon, for the days of the period and after it.
  const forecast = data.forecast
    .filter((/** @type {any} */ day) => day.p50_ms !== null)
    .map((/** @type {any} */ day) => [shift(Date.parse(`${day.day}T12:00:00Z`)), day.p50_ms]);
  const end = Math.max(
    shift(data.period.to),
    ...forecast.map((/** @type {number[]} */ point) => point[0] + dayMs / 2),
  );
  const marked = (/** @type {string} */ status) =>
    data.marked
      .filter((/** @type {any} */ run) => run.status === status)
      .map((/** @type {any} */ run) => ({ value: [shift(run.at), run.duration_ms], run }));
  const chart = mount(echarts, 'duration-chart', {
    grid: { left: 64, right: 24, top: 40, bottom: 72 },
    tooltip: { trigger: 'axis', valueFormatter: formatDuration },
    xAxis: {
      type: 'time',
      min: shift(data.period.from),
      max: end,
      axisLine: { lineStyle: { color: colours.line } },
    },
    yAxis: {
      type: 'value',
      name: 'duration',
      axisLabel: { formatter: formatDuration },
      splitLine: { lineStyle: { color: colours.line } },
    },
    // The wheel scrolls the page unless Ctrl is held (then it zooms); a drag pans on a mouse, and a
    // finger scrolls the page on a phone: the slider below zooms and pans there.
    dataZoom: [
      {
        type: 'inside',
        zoomOnMouseWheel: 'ctrl',
        moveOnMouseWheel: false,
        moveOnMouseMove: true,
        preventDefaultMouseMove: false,
      },
      { type: 'slider', height: 24, bottom: 8 },
    ],
    series: [
      {
        name: 'band p10',
        type: 'line',
        stack: 'band',
        symbol: 'none',
        lineStyle: { opacity: 0 },
        tooltip: { show: false },
        data: line(points, (point) => point.band?.p10_ms),
      },
      {
        name: 'band p10–p90',
        type: 'line',
        stack: 'band',
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { color: colours.band, opacity: 0.9 },
        data: line(points, (point) =>
          point.band?.p90_ms === null || point.band?.p90_ms === undefined || point.band.p10_ms === null
            ? null
            : point.band.p90_ms - point.band.p10_ms,
        ),
        tooltip: { show: false },
        markArea: {
          silent: true,
          label: { show: false },
          itemStyle: { color: colours.line, opacity: 0.45 },
          data: windows,
        },
      },
      {
        name: 'p50',
        type: 'line',
        symbol: 'none',
        connectNulls: false,
        lineStyle: { color: colours.accent, width: 2 },
        itemStyle: { color: colours.accent },
        data: line(points, (point) => point.p50_ms),
        markLine: { symbol: 'none', silent: false, data: eventLines, animation: false },
      },
      {
        name: 'p90',
        type: 'line',
        symbol: 'none',
        lineStyle: { color: colours.muted, width: 1, type: 'dashed' },
        itemStyle: { color: colours.muted },
        data: line(points, (point) => point.p90_ms),
      },
      {
        name: 'forecast p50',
        type: 'line',
        symbol: 'circle',
        symbolSize: 4,
        lineStyle: { color: colours.accent, type: 'dotted' },
        itemStyle: { color: colours.accent },
        data: forecast,
      },
      {
        name: 'failed',
        type: 'scatter',
        symbol: 'diamond',
        symbolSize: 8,
        itemStyle: { color: colours.bad },
        data: marked('FAIL'),
        tooltip: { trigger: 'item' },
      },
      {
        name: 'warning',
        type: 'scatter',
        symbol: 'triangle',
        symbolSize: 8,
        itemStyle: { color: colours.warn },
        data: marked('WARNING'),
        tooltip: { trigger: 'item' },
      },
    ],
  });
  // A marked run opens its run page.
  chart?.on('click', (/** @type {any} */ params) => {
    const run = params.data?.run;
    if (run === undefined) return;
    const search = new URLSearchParams(location.search);
    search.delete('cursor');
    location.assign(
      `/runs/${encodeURIComponent(run.robot_id)}/${encodeURIComponent(run.result_id)}?${search.toString()}`,
    );
  });
}

async function locationMap() {
  const located = data.locations.filter(
    (/** @type {any} */ location) => location.latitude !== null && location.longitude !== null,
  );
  if (located.length === 0) {
    document.getElementById('location-map')?.remove();
    return;
  }
  const response = await fetch(worldMapUrl(), { credentials: 'same-origin' });
  if (!response.ok) return;
  echarts.registerMap('world', await response.json());
  const longitudes = located.map((/** @type {any} */ location) => location.longitude);
  const latitudes = located.map((/** @type {any} */ location) => location.latitude);
  const pad = 8;
  mount(echarts, 'location-map', {
    tooltip: { trigger: 'item' },
    geo: {
      map: 'world',
      // Not zoomable: a wheel or a finger over the map scrolls the page (the map is fitted to the
      // locations, and the table beside it holds their figures).
      roam: false,
      boundingCoords: [
        [Math.max(-180, Math.min(...longitudes) - pad), Math.min(85, Math.max(...latitudes) + pad)],
        [Math.min(180, Math.max(...longitudes) + pad), Math.max(-85, Math.min(...latitudes) - pad)],
      ],
      itemStyle: { areaColor: colours.line, borderColor: colours.muted, borderWidth: 0.3 },
      emphasis: { disabled: true },
      label: { show: false },
    },
    series: [
      {
        type: 'scatter',
        coordinateSystem: 'geo',
        symbolSize: 12,
        data: located.map((/** @type {any} */ location) => ({
          name: location.location,
          value: [location.longitude, location.latitude, location.sla_percent],
          itemStyle: {
            color:
              location.sla_percent === null
                ? colours.muted
                : location.sla_percent >= 99
                  ? colours.ok
                  : location.sla_percent >= 95
                    ? colours.warn
                    : colours.bad,
          },
        })),
        tooltip: {
          formatter: (/** @type {any} */ params) =>
            `${params.name}\nSLA ${params.value[2] === null ? '–' : `${params.value[2].toFixed(2)} %`}`,
        },
      },
    ],
  });
}

function heatmapChart() {
  const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const cells = data.heatmap.filter((/** @type {any} */ cell) => cell.p90_ms !== null);
  const values = cells.map((/** @type {any} */ cell) => cell.p90_ms);
  mount(echarts, 'heatmap-chart', {
    grid: { left: 48, right: 16, top: 16, bottom: 96 },
    tooltip: {
      trigger: 'item',
      formatter: (/** @type {any} */ params) =>
        `${weekdays[params.value[1]]} ${params.value[0]}:00\np90 ${formatDuration(params.value[2])}\n${params.value[3]} runs`,
    },
    xAxis: {
      type: 'category',
      data: Array.from({ length: 24 }, (_, hour) => String(hour)),
      splitArea: { show: true },
    },
    yAxis: { type: 'category', data: weekdays, inverse: true, splitArea: { show: true } },
    visualMap: {
      dimension: 2,
      min: values.length > 0 ? Math.min(...values) : 0,
      max: values.length > 0 ? Math.max(...values) : 1,
      calculable: true,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 120,
      textStyle: { color: colours.fg },
      formatter: (/** @type {number} */ value) => formatDuration(value),
      inRange: { color: [colours.band, colours.warn, colours.bad] },
    },
    series: [
      {
        type: 'heatmap',
        data: cells.map((/** @type {any} */ cell) => [cell.hour, cell.weekday - 1, cell.p90_ms, cell.runs]),
        emphasis: { itemStyle: { borderColor: colours.fg, borderWidth: 1 } },
      },
    ],
  });
}

function distributionChart() {
  const buckets = data.distribution;
  mount(echarts, 'distribution-chart', {
    grid: { left: 56, right: 16, top: 16, bottom: 40 },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'category',
      name: 's',
      data: buckets.map((/** @type {any} */ bucket) =>
        bucket.to_s === null ? `≥ ${bucket.from_s}` : `${bucket.from_s}–${bucket.to_s}`,
      ),
    },
    yAxis: { type: 'value', name: 'runs', minInterval: 1 },
    series: [
      {
        name: 'runs',
        type: 'bar',
        data: buckets.map((/** @type {any} */ bucket) => bucket.runs),
        itemStyle: { color: colours.accent },
      },
    ],
  });
}

durationChart();
heatmapChart();
distributionChart();
await locationMap();
document.body.dataset.chartsReady = 'true';
