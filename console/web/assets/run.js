// @ts-check
// The run page: the step waterfall (charts.js), the log search and the screenshot enlarger.
import { loadECharts, pageData, waterfall } from './charts.js';

const data = pageData();

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

async function steps() {
  const rows = (data.steps ?? []).map((/** @type {any} */ step) => ({
    label: `${step.index}. ${step.name}`,
    start_offset_ms: step.start_offset_ms,
    duration_ms: step.duration_ms,
    status: step.status,
    title: step.name,
  }));
  if (rows.length > 0) waterfall(await loadECharts(), 'waterfall-chart', rows);
}

logSearch();
screenshots();
await steps();
document.body.dataset.chartsReady = 'true';
