// Pages are eta templates (console/web/templates/) rendered on the server. `<%= %>` escapes every
// value (eta's autoEscape), so a robot's names, errors and logs reach the browser as text; the one
// raw output is the layout's `body`, itself rendered from escaped templates. Chart data goes to the
// page as JSON in a `<script type="application/json">` block, escaped by `jsonForScript`.
import { join } from 'node:path';
import { Eta } from 'eta';
import { formatTime } from './period.ts';

const eta = new Eta({ views: join(import.meta.dirname, 'templates'), cache: true, autoEscape: true });

export function render(template: string, data: Record<string, unknown>): string {
  return eta.render(template, { ...data, format });
}

/**
 * JSON to place inside `<script type="application/json">`: `<`, `>` and `&` as \u escapes so no
 * text can close the element or open a comment, and U+2028/2029 escaped as well.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => {
    return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** How the pages show numbers, times and states (used by the templates as `it.format`). */
export const format = {
  time: (instant: string | Date | null | undefined, tz: string, seconds = false) =>
    instant === null || instant === undefined ? '–' : formatTime(instant, tz, seconds),
  percent: (value: number | null | undefined, digits = 2) =>
    value === null || value === undefined ? '–' : `${value.toFixed(digits)} %`,
  /** A change in percentage points, signed. */
  points: (value: number | null | undefined) =>
    value === null || value === undefined
      ? '–'
      : `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(2)} pts`,
  duration: (ms: number | null | undefined) => {
    if (ms === null || ms === undefined) return '–';
    if (ms < 999.5) return `${Math.round(ms)} ms`;
    if (ms < 9_995) return `${(ms / 1000).toFixed(2)} s`;
    if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
    // Whole seconds first, so 119.7 s is 2 min 0 s, never 1 min 60 s.
    const seconds = Math.round(ms / 1000);
    return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  },
  bytes: (value: number) =>
    value < 1024
      ? `${value} B`
      : value < 1024 ** 2
        ? `${(value / 1024).toFixed(0)} KiB`
        : `${(value / 1024 ** 2).toFixed(1)} MiB`,
  count: (value: number | null | undefined) =>
    value === null || value === undefined ? '–' : value.toLocaleString('en'),
  /** The SLA's colour against its target: met, within a point under it, further under, no target. */
  slaClass: (sla: number | null | undefined, target: number | null | undefined) => {
    if (sla === null || sla === undefined || target === null || target === undefined) return 'sla-none';
    if (sla >= target) return 'sla-met';
    return sla >= target - 1 ? 'sla-near' : 'sla-missed';
  },
  stateClass: (state: string | null | undefined) =>
    state === 'CRITICAL' || state === 'FAIL' || state === 'critical' || state === 'major'
      ? 'state-bad'
      : state === 'WARNING' || state === 'warning'
        ? 'state-warn'
        : state === 'OK' || state === 'normal'
          ? 'state-ok'
          : 'state-none',
};
