import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chartSize,
  colors,
  renderWeekChart,
  severityColors,
  type WeekChartData,
  weekChartGeometry,
} from '../../../scripts/plot/chart.ts';
import { type Color, createRaster, fillRect, pixelAt } from '../../../scripts/plot/raster.ts';
import { weekChartDataFromJson } from '../../../scripts/plot/week-chart.ts';
import { decodePng, pixel } from './decode-png.ts';

const hourMs = 60 * 60 * 1000;
const from = new Date('2026-11-16T00:00:00.000Z');
const to = new Date('2026-11-23T00:00:00.000Z');
const at = (hours: number) => new Date(from.getTime() + hours * hourMs);

function week(overrides: Partial<WeekChartData> = {}): WeekChartData {
  return {
    title: 'Checkout with saved card',
    from,
    to,
    runs: [],
    band: Array.from({ length: 7 * 24 + 1 }, (_, h) => ({ at: at(h), p10: 1000, p50: 2000, p90: 3000 })),
    alerts: [],
    maintenance: [],
    ...overrides,
  };
}

/** What `color` looks like drawn once over the white background. */
function overWhite(color: Color): number[] {
  const raster = createRaster(1, 1, colors.background);
  fillRect(raster, { x: 0, y: 0, width: 1, height: 1 }, color);
  return [...pixelAt(raster, 0, 0)];
}

test('the chart is a valid PNG of the documented size', () => {
  const png = decodePng(renderWeekChart(week()));
  assert.equal(png.width, chartSize.width);
  assert.equal(png.height, chartSize.height);
  assert.deepEqual(png.chunkTypes, ['IHDR', 'IDAT', 'IEND']);
});

test('the same data gives the same bytes; different data different ones', () => {
  const runs: WeekChartData['runs'] = [
    { at: at(10), durationMs: 2100, status: 'OK' },
    { at: at(30), durationMs: 5200, status: 'WARNING' },
    { at: at(50), durationMs: 900, status: 'FAIL' },
  ];
  const first = renderWeekChart(week({ runs }));
  assert.deepEqual(renderWeekChart(week({ runs })), first);
  assert.notDeepEqual(renderWeekChart(week({ runs: runs.slice(1) })), first);
});

test('the band is shaded between p10 and p90, the p50 line on it, white outside', () => {
  const data = week();
  const g = weekChartGeometry(data);
  const png = decodePng(renderWeekChart(data));
  const x = Math.round(g.x(at(36 + 0.5)));
  assert.deepEqual(pixel(png, x, Math.round(g.y(2500))), overWhite(colors.band));
  assert.deepEqual(pixel(png, x, Math.round(g.y(1500))), overWhite(colors.band));
  assert.deepEqual(pixel(png, x, Math.round(g.y(2000))), [...colors.median]);
  assert.deepEqual(pixel(png, x, Math.round(g.y(3200))), [...colors.background]);
  assert.deepEqual(pixel(png, x, Math.round(g.y(800))), [...colors.background]);
});

test('failed runs are red ticks under the time axis, not points; alerts are bars in their colour', () => {
  const data = week({
    runs: [{ at: at(40), durationMs: 2500, status: 'FAIL' }],
    alerts: [
      {
        problem: 'Checkout / availability',
        severity: 'critical',
        from: at(60),
        to: at(64),
        suppressed: false,
      },
      { problem: 'Checkout / duration', severity: 'warning', from: at(100), to: null, suppressed: false },
    ],
  });
  const g = weekChartGeometry(data);
  const png = decodePng(renderWeekChart(data));
  const axisY = g.durations.y + g.durations.height;
  assert.deepEqual(pixel(png, Math.round(g.x(at(40))), axisY + 4), [...colors.fail]);
  assert.deepEqual(pixel(png, Math.round(g.x(at(40))), Math.round(g.y(2500))), overWhite(colors.band));
  const barPixels = (color: Color, x: number) => {
    let count = 0;
    for (let y = g.timeline.y; y < g.timeline.y + g.timeline.height; y++) {
      if (pixel(png, x, y).join() === [...color].join()) count++;
    }
    return count;
  };
  assert.ok(barPixels(severityColors.critical as Color, Math.round(g.x(at(62)))) > 4, 'critical bar');
  assert.equal(barPixels(severityColors.critical as Color, Math.round(g.x(at(66)))), 0, 'closed at its end');
  assert.ok(
    barPixels(severityColors.warning as Color, Math.round(g.x(at(167)))) > 4,
    'open alert runs to the end',
  );
});

test('the JSON form takes ISO dates and names a bad field', () => {
  const data = weekChartDataFromJson({
    title: 't',
    from: from.toISOString(),
    to: to.toISOString(),
    runs: [{ at: at(1).toISOString(), durationMs: 1, status: 'OK' }],
    alerts: [{ problem: 'p', severity: 'major', from: at(2).toISOString(), to: null, suppressed: true }],
  });
  assert.deepEqual(data.runs[0]?.at, at(1));
  assert.equal(data.alerts[0]?.to, null);
  assert.deepEqual(data.band, []);
  assert.throws(
    () =>
      weekChartDataFromJson({ from: from.toISOString(), to: to.toISOString(), runs: [{ at: 'yesterday' }] }),
    /runs\[0\]\.at: must be an RFC 3339 time/,
  );
  assert.throws(
    () => weekChartDataFromJson({ from: from.toISOString(), to: to.toISOString(), band: [{ at: 'x' }] }),
    /band\[0\]\.at: must be an RFC 3339 time/,
  );
});
