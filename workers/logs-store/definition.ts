// logs-store: robot run logs and results, OpenTelemetry log records and spans into VictoriaLogs.
import type { OtelLogRecord, OtelSpanRecord } from '../../ingest-gateway/otlp/otel-records.ts';
import type { SynthResult, TransactionResultRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import { PoisonRecordError } from '../failures.ts';
import type { WorkerDefinition } from '../harness.ts';
import { type LogEntry, otelLogEntry, otelSpanEntry, robotRunEntries } from './log-entries.ts';
import type { VictoriaLogsWriter } from './victoria-logs-writer.ts';

export interface LogsStoreDeps {
  codecs: {
    results: ValueCodec<TransactionResultRecord>;
    logs: ValueCodec<OtelLogRecord>;
    spans: ValueCodec<OtelSpanRecord>;
  };
  fromResultRecord(record: TransactionResultRecord): SynthResult;
  writer: VictoriaLogsWriter;
}

/** Each message decodes straight into the entries it becomes; a batch is written in one request. */
export function logsStoreDefinition(deps: LogsStoreDeps): WorkerDefinition<LogEntry[]> {
  const toEntries: Record<string, (value: Buffer) => Promise<LogEntry[]>> = {
    [topics.synthResults.name]: async (value) =>
      robotRunEntries(deps.fromResultRecord(await deps.codecs.results.decode(value))),
    [topics.otelLogs.name]: async (value) => [otelLogEntry(await deps.codecs.logs.decode(value))],
    [topics.otelSpans.name]: async (value) => [otelSpanEntry(await deps.codecs.spans.decode(value))],
  };
  return {
    name: 'logs-store',
    topics: Object.keys(toEntries),
    async decode(message) {
      if (message.value === null)
        throw new PoisonRecordError(`empty message value (tombstone) on ${message.topic}`);
      const decode = toEntries[message.topic];
      if (decode === undefined) throw new PoisonRecordError(`logs-store does not read ${message.topic}`);
      return decode(message.value);
    },
    write: (records) => deps.writer.write(records.flatMap(({ record }) => record)),
  };
}
