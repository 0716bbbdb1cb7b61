// Sends samples to VictoriaMetrics' Prometheus text import and resolves once it answered 2xx:
// VictoriaMetrics has then taken them into its in-memory buffer, which it flushes to disk by
// itself (a crash of VictoriaMetrics loses at most that last second, as its docs say).
// Idempotent: the same sample re-sent lands on the same series and timestamp, and
// `-dedup.minScrapeInterval=1ms` keeps one of them.
import { Agent, request } from 'undici';
import { PoisonRecordError } from '../../topics/poison-record.ts';
import { exposition, type Sample } from './sample.ts';

export interface VictoriaMetricsWriterOptions {
  url: string;
  /** How long one import may take before it is abandoned and retried. */
  timeoutMs?: number;
}

export interface VictoriaMetricsWriter {
  write(samples: Sample[]): Promise<void>;
  close(): Promise<void>;
}

export class VictoriaMetricsRejected extends Error {
  override readonly name = 'VictoriaMetricsRejected';
}

export function victoriaMetricsWriter(options: VictoriaMetricsWriterOptions): VictoriaMetricsWriter {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agent = new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const importUrl = new URL('/api/v1/import/prometheus', options.url).toString();
  return {
    async write(samples) {
      if (samples.length === 0) return;
      const body = `${samples.map(exposition).join('\n')}\n`;
      const response = await request(importUrl, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain' },
        dispatcher: agent,
      });
      const text = await response.body.text();
      if (response.statusCode >= 200 && response.statusCode < 300) return;
      const message = `VictoriaMetrics answered ${response.statusCode}: ${text.slice(0, 500)}`;
      // 400 is about the data; anything else (503 while starting, 5xx) is about VictoriaMetrics.
      if (response.statusCode === 400) throw new PoisonRecordError(message);
      throw new VictoriaMetricsRejected(message);
    },
    close: () => agent.close(),
  };
}
