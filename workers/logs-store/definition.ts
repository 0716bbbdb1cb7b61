// logs-store: robot run logs and results, OpenTelemetry log records and spans into VictoriaLogs.
import type {
  OtelLogRecord,
  OtelSpanRecord,
  SynthResult,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import type { WorkerDefinition } from '../harness.ts';
import { decodeByTopic, input } from '../inputs.ts';
import { type EntryAdjustment, withinLineLimits } from './entry-limits.ts';
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
  /** Counts every change made to an entry so that VictoriaLogs keeps it (never silent). */
  count?: (reason: EntryAdjustment, count?: number) => void;
  now?: () => number;
}

/** Each message decodes straight into the entries it becomes; a batch is written in one request. */
export function logsStoreDefinition(deps: LogsStoreDeps): WorkerDefinition<LogEntry[]> {
  return {
    name: 'logs-store',
    ...decodeByTopic('logs-store', [
      input(topics.synthResults, deps.codecs.results, (record) =>
        robotRunEntries(deps.fromResultRecord(record)),
      ),
      input(topics.otelLogs, deps.codecs.logs, (record, message) => [otelLogEntry(record, message)]),
      input(topics.otelSpans, deps.codecs.spans, (record, message) => [otelSpanEntry(record, message)]),
    ]),
    async write(records) {
      const now = (deps.now ?? Date.now)();
      const adjustments: Array<[EntryAdjustment, number]> = [];
      const entries = records.flatMap(({ message, record }) =>
        record.map((entry) =>
          withinLineLimits(
            entry,
            message.timestamp,
            (reason, count = 1) => adjustments.push([reason, count]),
            now,
          ),
        ),
      );
      await deps.writer.write(entries);
      // Counted once the entries are stored, so a retried batch is not counted twice.
      for (const [reason, count] of adjustments) deps.count?.(reason, count);
    },
  };
}
