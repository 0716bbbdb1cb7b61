// The stack's VictoriaMetrics as integration tests read it back: raw samples through /api/v1/export.
import assert from 'node:assert/strict';
import { stack } from './stack.ts';

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** Raw samples of every series matching `selector`, after VictoriaMetrics flushed its buffers. */
export async function exportedSeries(selector: string): Promise<ExportedSeries[]> {
  const vm = stack.victoriaMetricsUrl();
  await fetch(new URL('/internal/force_flush', vm));
  const response = await fetch(new URL('/api/v1/export', vm), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'match[]': selector }),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ExportedSeries);
}
