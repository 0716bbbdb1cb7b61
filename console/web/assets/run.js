// @ts-check
// The run page: the step waterfall (each step a bar from its start to its end on the run's own time
// axis, coloured by status), the log search and the screenshot enlarger.
import { formatDuration, loadECharts, mount, pageData, palette } from './charts.js';

const data = pageData();
const colours = palette();

function logSearch() {
  const log = document.getElementById('run-log');
  const input = /** @type {HTMLInputElement | null} */ (document.getElementById('log-search'));
  const matches = document.getElementById('log-matches');
  if (log === null || input === null || matches === null) return;
  const text = log.textContent ?? '';
  input.addEventListener('input', () => {
    const needle = input.value.toLowerCase();
    // Rebuilt from text nodes and <mark> elements: the log stays text whatever it holds.
    log.replaceChildren();
    if (needle === '') {
      log.append(text);
      matches.textContent = '';
      return;
    }
    const haystack = text.toLowerCase();
    let count = 0;
    let from = 0;
    for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, from)) {
      log.append(text.slice(from, at));
      const mark = document.createElement('mark');
      mark.textContent = text.slice(at, at + needle.length);
      log.append(mark);
      from = at + needle.length;
      count += 1;
    }
    log.append(text.slice(from));
    matches.textContent = count === 1 ? '1 match' : `${count} matches`;
    log.querySelector('mark')?.scrollIntoView({ block: 'nearest' });
  });
}

function screenshots() {
  const dialog = /** @type {HTMLDialogElement | null} */ (document.getElementById('shot-dialog'));
  const large = dialog?.querySelector('img');
  if (dialog === null || large === null || large === undefined) return;
  for (const button of document.querySelectorAll('.shots button.enlarge')) {
    button.addEventListener('click', () => {
      const image = /** @type {HTMLImageElement} */ (button.querySelector('img'));
      large.src = image.src;
      large.alt = image.alt;
      dialog.showModal();
    });
  }
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
}

async function waterfall() {
  const steps = data.steps ?? [];
  if (steps.length === 0) return;
  const echarts = await loadECharts();
  const colour = /** @param {string} status */ (status) =>
    status === 'FAIL' ? colours.bad : status === 'WARNING' ? colours.warn : colours.ok;
  const element = document.getElementById('waterfall-chart');
  // One row per step, 28 px each, so long journeys stay legible.
  if (element !== null) element.style.height = `${Math.max(160, 60 + steps.length * 28)}px`;
  mount(echarts, 'waterfall-chart', {
    grid: { left: 160, right: 24, top: 16, bottom: 40 },
    legend: { show: false },
    tooltip: {
      trigger: 'item',
      formatter: (/** @type {any} */ item) =>
        `${item.data.step.name}\n${item.data.step.status} · starts +${formatDuration(item.data.step.start_offset_ms)} · ${formatDuration(item.data.step.duration_ms)}`,
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
      data: steps.map((/** @type {any} */ step) => `${step.index}. ${step.name}`),
      axisLabel: { width: 150, overflow: 'truncate' },
    },
    series: [
      {
        // The offset before each step: stacked under the bar, drawn invisible.
        name: 'offset',
        type: 'bar',
        stack: 'waterfall',
        silent: true,
        itemStyle: { color: 'transparent' },
        data: steps.map((/** @type {any} */ step) => step.start_offset_ms),
      },
      {
        name: 'step',
        type: 'bar',
        stack: 'waterfall',
        barMaxWidth: 18,
        data: steps.map((/** @type {any} */ step) => ({
          value: step.duration_ms,
          step,
          itemStyle: { color: colour(step.status) },
        })),
      },
    ],
  });
}

logSearch();
screenshots();
await waterfall();
document.body.dataset.chartsReady = 'true';
