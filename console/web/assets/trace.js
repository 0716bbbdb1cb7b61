// @ts-check
// The trace page: its spans as a waterfall (charts.js).
import { loadECharts, pageData, waterfall } from './charts.js';

const data = pageData();
const rows = (data.spans ?? []).map((/** @type {any} */ span) => ({
  label: `${span.service}: ${span.name}`,
  title: `${span.service}: ${span.name}`,
  start_offset_ms: span.start_offset_ms,
  duration_ms: span.duration_ms,
  status: span.status === 'ERROR' ? 'FAIL' : 'OK',
}));
if (rows.length > 0) waterfall(await loadECharts(), 'trace-chart', rows);
document.body.dataset.chartsReady = 'true';
