// Writes entries to VictoriaLogs as NDJSON through /insert/jsonline, resolving once it answered 2xx.
import { Agent, request } from 'undici';
import { PoisonRecordError } from '../../topics/poison-record.ts';
import { type LogEntry, streamFields } from './log-entries.ts';

export interface VictoriaLogsWriterOptions {
  /** Base URL, e.g. http://127.0.0.1:19428 */
  url: string;
  timeoutMs?: number;
}

const defaults = { timeoutMs: 30_000 };

export class VictoriaLogsStatusError extends Error {
  override readonly name = 'VictoriaLogsStatusError';
  readonly status: number;
  constructor(status: number, body: string) {
    super(`VictoriaLogs answered ${status}: ${body.slice(0, 500)}`);
    this.status = status;
  }
}

export interface VictoriaLogsWriter {
  write(entries: LogEntry[]): Promise<void>;
  close(): Promise<void>;
}

/** The insert URL with the field roles VictoriaLogs needs to know; shared with the benchmark. */
export function insertUrl(baseUrl: string): string {
  const url = new URL('/insert/jsonline', baseUrl);
  url.searchParams.set('_stream_fields', streamFields.join(','));
  url.searchParams.set('_msg_field', '_msg');
  url.searchParams.set('_time_field', '_time');
  return url.toString();
}

export function toNdjson(entries: LogEntry[]): string {
  let body = '';
  for (const entry of entries) body += `${JSON.stringify(entry)}\n`;
  return body;
}

export function createVictoriaLogsWriter(options: VictoriaLogsWriterOptions): VictoriaLogsWriter {
  const settings = { ...defaults, ...options };
  const target = insertUrl(settings.url);
  const dispatcher = new Agent({
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
    connectTimeout: Math.min(settings.timeoutMs, 5000),
  });
  return {
    async write(entries) {
      if (entries.length === 0) return;
      const response = await request(target, {
        method: 'POST',
        dispatcher,
        // With a form content type VictoriaLogs answers 200 and stores nothing.
        headers: { 'content-type': 'application/stream+json' },
        body: toNdjson(entries),
      });
      const text = await response.body.text();
      if (response.statusCode >= 200 && response.statusCode < 300) return;
      const error = new VictoriaLogsStatusError(response.statusCode, text);
      // A 400 is about what was sent: the harness bisects the batch down to the record and dead-letters it.
      if (response.statusCode === 400) throw new PoisonRecordError(error.message, { cause: error });
      throw error;
    },
    close: () => dispatcher.close(),
  };
}

/** Whether VictoriaLogs answers its health check, for start-up. */
export async function checkVictoriaLogs(baseUrl: string, signal: AbortSignal): Promise<void> {
  const response = await request(new URL('/health', baseUrl), { signal });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new VictoriaLogsStatusError(response.statusCode, text);
}
