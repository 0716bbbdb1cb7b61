// One transaction's week as a PNG: run durations against the baseline band (p10–p90 shaded, p50
// line) on top, failed runs as red ticks on the time axis, and below it the alert timeline, one
// row per problem, bars from open to clear coloured by severity. Maintenance windows are shaded
// across both panels, so failures and quiet alerting inside them explain themselves.
// Times are UTC. The output depends only on the input: the same data gives the same bytes.
import { drawText, fitText, textHeight, textWidth } from './font.ts';
import { encodePng } from './png.ts';
import {
  type Color,
  createRaster,
  fillBand,
  fillRect,
  line,
  point,
  polyline,
  type Raster,
  type Rect,
} from './raster.ts';

export interface WeekChartData {
  title: string;
  from: Date;
  to: Date;
  runs: Array<{ at: Date; durationMs: number; status: 'OK' | 'WARNING' | 'FAIL' }>;
  band: Array<{ at: Date; p10: number; p50: number; p90: number }>;
  alerts: Array<{ problem: string; severity: string; from: Date; to: Date | null; suppressed: boolean }>;
  maintenance: Array<{ from: Date; to: Date }>;
}

export const chartSize = { width: 1400, height: 700 } as const;

export const colors = {
  background: [255, 255, 255, 255],
  text: [40, 40, 48, 255],
  faintText: [110, 110, 120, 255],
  axis: [90, 90, 100, 255],
  grid: [232, 232, 236, 255],
  dayGrid: [196, 196, 204, 255],
  band: [66, 133, 244, 64],
  median: [25, 85, 190, 255],
  runOk: [45, 45, 55, 120],
  runWarning: [235, 120, 0, 200],
  fail: [215, 30, 35, 255],
  maintenance: [110, 110, 150, 72],
  rowStripe: [246, 246, 249, 255],
} as const satisfies Record<string, Color>;

/** Alerta's severities in its own colours; anything else is grey. */
export const severityColors: Record<string, Color> = {
  critical: [215, 30, 35, 255],
  major: [245, 124, 0, 255],
  minor: [230, 190, 0, 255],
  warning: [30, 144, 255, 255],
};
const otherSeverity: Color = [150, 150, 160, 255];

const withAlpha = (color: Color, alpha: number): Color => [color[0], color[1], color[2], alpha];

export interface WeekChartGeometry {
  durations: Rect;
  timeline: Rect;
  /** Pixel column of a time. */
  x(at: Date): number;
  /** Pixel row of a duration in the top panel. */
  y(durationMs: number): number;
  yTicks: number[];
}

/** 1, 2 or 5 × a power of ten, giving about `count` steps up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

export function weekChartGeometry(data: WeekChartData): WeekChartGeometry {
  const left = 104;
  const right = chartSize.width - 28;
  const durations: Rect = { x: left, y: 78, width: right - left, height: 318 };
  const timeline: Rect = { x: left, y: 450, width: right - left, height: 166 };
  const shown = [
    ...data.band.map((b) => b.p90),
    ...data.runs.filter((r) => r.status !== 'FAIL').map((r) => r.durationMs),
  ].filter(Number.isFinite);
  const max = Math.max(1, ...shown) * 1.05;
  const step = niceStep(max, 6);
  const top = Math.ceil(max / step) * step;
  const from = data.from.getTime();
  const span = Math.max(1, data.to.getTime() - from);
  return {
    durations,
    timeline,
    x: (at) => durations.x + ((at.getTime() - from) / span) * durations.width,
    y: (value) => durations.y + durations.height - (value / top) * durations.height,
    yTicks: Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step),
  };
}

const dayMs = 24 * 60 * 60 * 1000;
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

function dayLabel(day: Date): string {
  return `${weekdays[day.getUTCDay()]} ${day.getUTCDate()} ${months[day.getUTCMonth()]}`;
}

function utcStamp(at: Date): string {
  return `${at.getUTCDate()} ${months[at.getUTCMonth()]} ${at.getUTCFullYear()} ${at.toISOString().slice(11, 16)}`;
}

function formatMs(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

function withClip(raster: Raster, clip: Rect, draw: () => void): void {
  raster.clip = clip;
  try {
    draw();
  } finally {
    raster.clip = undefined;
  }
}

/** Midnights (UTC) after `from` and before `to`. */
function midnights(from: Date, to: Date): Date[] {
  const days: Date[] = [];
  for (let t = Math.floor(from.getTime() / dayMs) * dayMs + dayMs; t < to.getTime(); t += dayMs)
    days.push(new Date(t));
  return days;
}

function drawDayGrid(raster: Raster, data: WeekChartData, g: WeekChartGeometry): void {
  const days = midnights(data.from, data.to);
  for (const day of days) {
    const x = Math.round(g.x(day));
    line(raster, { x, y: g.durations.y }, { x, y: g.durations.y + g.durations.height }, colors.dayGrid);
    line(raster, { x, y: g.timeline.y }, { x, y: g.timeline.y + g.timeline.height }, colors.dayGrid);
  }
  // Each day's label is centred under the part of the day that is on the chart, if it fits.
  const bounds = [data.from, ...days, data.to];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i] as Date;
    const x0 = g.x(start);
    const x1 = g.x(bounds[i + 1] as Date);
    const label = dayLabel(new Date(Math.floor(start.getTime() / dayMs) * dayMs));
    if (textWidth(label, 2) + 8 > x1 - x0) continue;
    drawText(raster, label, (x0 + x1) / 2, g.durations.y + g.durations.height + 16, colors.text, {
      scale: 2,
      align: 'center',
    });
  }
}

function drawMaintenance(raster: Raster, data: WeekChartData, g: WeekChartGeometry): void {
  for (const window of data.maintenance) {
    for (const panel of [g.durations, g.timeline]) {
      withClip(raster, panel, () => {
        const x0 = g.x(window.from);
        fillRect(
          raster,
          { x: x0, y: panel.y, width: Math.max(2, g.x(window.to) - x0), height: panel.height },
          colors.maintenance,
        );
      });
    }
  }
}

function drawYAxis(raster: Raster, g: WeekChartGeometry): void {
  const { durations: panel } = g;
  for (const tick of g.yTicks) {
    const y = Math.round(g.y(tick));
    if (tick > 0) line(raster, { x: panel.x, y }, { x: panel.x + panel.width - 1, y }, colors.grid);
    line(raster, { x: panel.x - 6, y }, { x: panel.x - 1, y }, colors.axis);
    drawText(raster, formatMs(tick), panel.x - 10, y - 7, colors.text, { scale: 2, align: 'right' });
  }
  drawText(raster, 'DURATION (MS)', 20, panel.y - 24, colors.faintText, { scale: 2 });
}

/** Splits a band where its points are much further apart than usual, so gaps stay empty. */
function bandSegments(band: WeekChartData['band']): Array<WeekChartData['band']> {
  const sorted = [...band].sort((a, b) => a.at.getTime() - b.at.getTime());
  const gaps = sorted
    .slice(1)
    .map((b, i) => b.at.getTime() - (sorted[i] as (typeof sorted)[number]).at.getTime());
  const usual = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
  const segments: Array<WeekChartData['band']> = [];
  let current: WeekChartData['band'] = [];
  sorted.forEach((b, i) => {
    if (i > 0 && (gaps[i - 1] as number) > 2.5 * usual) {
      segments.push(current);
      current = [];
    }
    current.push(b);
  });
  if (current.length > 0) segments.push(current);
  return segments;
}

function drawDurations(raster: Raster, data: WeekChartData, g: WeekChartGeometry): void {
  withClip(raster, g.durations, () => {
    for (const segment of bandSegments(data.band)) {
      const xs = segment.map((b) => g.x(b.at));
      fillBand(
        raster,
        xs,
        segment.map((b) => g.y(b.p90)),
        segment.map((b) => g.y(b.p10)),
        colors.band,
      );
      polyline(
        raster,
        segment.map((b, i) => ({ x: xs[i] as number, y: g.y(b.p50) })),
        colors.median,
        2,
      );
    }
    for (const run of data.runs) {
      if (run.status === 'FAIL') continue;
      point(
        raster,
        { x: g.x(run.at), y: g.y(run.durationMs) },
        run.status === 'WARNING' ? colors.runWarning : colors.runOk,
      );
    }
  });
  const axisY = g.durations.y + g.durations.height;
  withClip(raster, { x: g.durations.x, y: axisY, width: g.durations.width, height: 10 }, () => {
    for (const run of data.runs) {
      if (run.status !== 'FAIL') continue;
      const x = Math.round(g.x(run.at));
      fillRect(raster, { x, y: axisY + 1, width: 1, height: 8 }, colors.fail);
    }
  });
  line(
    raster,
    { x: g.durations.x, y: axisY },
    { x: g.durations.x + g.durations.width - 1, y: axisY },
    colors.axis,
  );
  line(raster, { x: g.durations.x, y: g.durations.y }, { x: g.durations.x, y: axisY }, colors.axis);
}

function drawTimeline(raster: Raster, data: WeekChartData, g: WeekChartGeometry): void {
  const panel = g.timeline;
  drawText(raster, 'ALERTS', panel.x - 10, panel.y + 4, colors.faintText, { scale: 2, align: 'right' });
  const problems = [...new Set(data.alerts.map((a) => a.problem))];
  if (problems.length === 0) {
    drawText(
      raster,
      'NO ALERTS',
      panel.x + panel.width / 2,
      panel.y + panel.height / 2 - 7,
      colors.faintText,
      {
        scale: 2,
        align: 'center',
      },
    );
  }
  const rowHeight = Math.min(40, Math.floor(panel.height / Math.max(1, problems.length)));
  // A row is its problem's name over its bars; crowded rows get the small font, very crowded
  // ones bars only.
  const labelScale = rowHeight >= 34 ? 2 : 1;
  const labelHeight = rowHeight >= 14 ? textHeight(labelScale) + 2 : 0;
  const barHeight = Math.max(2, rowHeight - labelHeight - (labelScale === 2 ? 7 : 4));
  problems.forEach((problem, row) => {
    const top = panel.y + row * rowHeight;
    if (row % 2 === 1)
      fillRect(raster, { x: panel.x, y: top, width: panel.width, height: rowHeight }, colors.rowStripe);
    if (labelHeight > 0) {
      drawText(raster, fitText(problem, panel.width - 8, labelScale), panel.x + 4, top + 2, colors.text, {
        scale: labelScale,
      });
    }
    withClip(raster, panel, () => {
      for (const alert of data.alerts.filter((a) => a.problem === problem)) {
        const color = severityColors[alert.severity.toLowerCase()] ?? otherSeverity;
        const x0 = g.x(alert.from);
        const bar = {
          x: x0,
          y: top + labelHeight + 2,
          width: Math.max(2, g.x(alert.to ?? data.to) - x0),
          height: barHeight,
        };
        fillRect(raster, bar, alert.suppressed ? withAlpha(color, 70) : color);
        if (alert.suppressed) outline(raster, bar, color);
      }
    });
  });
  line(raster, { x: panel.x, y: panel.y }, { x: panel.x, y: panel.y + panel.height }, colors.axis);
}

function outline(raster: Raster, rect: Rect, color: Color): void {
  const x0 = Math.round(rect.x);
  const y0 = Math.round(rect.y);
  const x1 = Math.round(rect.x + rect.width) - 1;
  const y1 = Math.round(rect.y + rect.height) - 1;
  line(raster, { x: x0, y: y0 }, { x: x1, y: y0 }, color);
  line(raster, { x: x0, y: y1 }, { x: x1, y: y1 }, color);
  line(raster, { x: x0, y: y0 }, { x: x0, y: y1 }, color);
  line(raster, { x: x1, y: y0 }, { x: x1, y: y1 }, color);
}

interface LegendEntry {
  label: string;
  swatch(raster: Raster, x: number, y: number): void;
}

const box =
  (color: Color, border?: Color) =>
  (raster: Raster, x: number, y: number): void => {
    const rect = { x, y: y + 1, width: 22, height: 12 };
    fillRect(raster, rect, color);
    if (border !== undefined) outline(raster, rect, border);
  };

const durationLegend: LegendEntry[] = [
  { label: 'RUN', swatch: (r, x, y) => point(r, { x: x + 11, y: y + 7 }, colors.runOk, 2) },
  { label: 'WARNING RUN', swatch: (r, x, y) => point(r, { x: x + 11, y: y + 7 }, colors.runWarning, 2) },
  {
    label: 'FAILED RUN',
    swatch: (r, x, y) => fillRect(r, { x: x + 10, y, width: 2, height: 14 }, colors.fail),
  },
  { label: 'BASELINE P10–P90', swatch: box(colors.band) },
  { label: 'P50', swatch: (r, x, y) => fillRect(r, { x, y: y + 6, width: 22, height: 2 }, colors.median) },
  { label: 'MAINTENANCE', swatch: box(colors.maintenance) },
];

/** Known severities in Alerta's order, then any others by name. */
function severityRank(severity: string): number {
  const known = Object.keys(severityColors).indexOf(severity);
  return known === -1 ? Number.MAX_SAFE_INTEGER : known;
}

function alertLegend(data: WeekChartData): LegendEntry[] {
  const severities = [...new Set(data.alerts.map((a) => a.severity.toLowerCase()))].sort(
    (a, b) => severityRank(a) - severityRank(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  return [
    ...severities.map((s) => ({ label: s.toUpperCase(), swatch: box(severityColors[s] ?? otherSeverity) })),
    ...(data.alerts.some((a) => a.suppressed)
      ? [{ label: 'SUPPRESSED', swatch: box(withAlpha(otherSeverity, 70), otherSeverity) }]
      : []),
  ];
}

function drawLegendRow(raster: Raster, entries: LegendEntry[], left: number, y: number): void {
  let x = left;
  for (const entry of entries) {
    entry.swatch(raster, x, y);
    drawText(raster, entry.label, x + 30, y, colors.text, { scale: 2 });
    x += 30 + textWidth(entry.label, 2) + 28;
  }
}

/** The week as an RGBA raster (see renderWeekChart). */
export function drawWeekChart(data: WeekChartData): Raster {
  const raster = createRaster(chartSize.width, chartSize.height, colors.background);
  const g = weekChartGeometry(data);
  const range = `${utcStamp(data.from)} - ${utcStamp(data.to)} UTC`;
  drawText(raster, range, chartSize.width - 28, 18, colors.faintText, { scale: 2, align: 'right' });
  const titleRoom = chartSize.width - 80 - textWidth(range, 2);
  const titleScale = textWidth(data.title, 3) <= titleRoom ? 3 : 2;
  drawText(raster, fitText(data.title, titleRoom, titleScale), 20, titleScale === 3 ? 14 : 18, colors.text, {
    scale: titleScale,
  });
  drawMaintenance(raster, data, g);
  drawYAxis(raster, g);
  drawDayGrid(raster, data, g);
  drawDurations(raster, data, g);
  drawTimeline(raster, data, g);
  drawLegendRow(raster, durationLegend, g.durations.x, chartSize.height - 58);
  drawLegendRow(raster, alertLegend(data), g.durations.x, chartSize.height - 30);
  return raster;
}

/** The week as PNG bytes, chartSize.width × chartSize.height. */
export function renderWeekChart(data: WeekChartData): Buffer {
  return encodePng(drawWeekChart(data));
}
