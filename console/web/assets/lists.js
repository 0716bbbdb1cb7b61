// @ts-check
// The small trend charts of a list page: per row, SLA % as a line (0–100) over p50 as bars, drawn
// from the page's JSON block (`trends[i]` = [[from, sla_percent, p50_ms], …] for the row whose
// `.spark` has data-trend="i").
import { formatDuration, loadECharts, pageData, palette } from './charts.js';

const data = pageData();
const sparks = document.querySelectorAll('.spark[data-trend]');
if (sparks.length > 0) {
  const echarts = await loadECharts();
  const colours = palette();
  // Bucket starts in the page's zone, as the tooltip's title.
  const when = new Intl.DateTimeFormat('en-GB', {
    timeZone: data.tz,
    dateStyle: 'short',
    timeStyle: 'short',
  });
  for (const element of sparks) {
    const points = data.trends?.[Number(/** @type {HTMLElement} */ (element).dataset.trend)] ?? [];
    if (points.length === 0) continue;
    const chart = echarts.init(element, null, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      grid: { left: 1, right: 1, top: 2, bottom: 2 },
      tooltip: { renderMode: 'richText', confine: true, trigger: 'axis' },
      xAxis: {
        type: 'category',
        show: false,
        data: points.map((/** @type {any[]} */ point) => when.format(new Date(point[0]))),
      },
      yAxis: [
        { type: 'value', show: false, min: 0, max: 100 },
        { type: 'value', show: false, min: 0 },
      ],
      series: [
        {
          name: 'p50',
          type: 'bar',
          yAxisIndex: 1,
          itemStyle: { color: colours.line },
          tooltip: { valueFormatter: formatDuration },
          data: points.map((/** @type {any[]} */ point) => point[2]),
        },
        {
          name: 'SLA %',
          type: 'line',
          symbol: 'none',
          lineStyle: { width: 1.5, color: colours.accent },
          tooltip: {
            valueFormatter: (/** @type {number | null} */ value) =>
              value === null ? '–' : `${value.toFixed(1)} %`,
          },
          data: points.map((/** @type {any[]} */ point) => point[1]),
        },
      ],
    });
  }
}
document.body.dataset.chartsReady = 'true';
