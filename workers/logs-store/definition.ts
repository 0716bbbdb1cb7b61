// logs-store: robot run logs and results, OpenTelemetry log records and spans into VictoriaLogs.
import type {
  OtelLogRecord,
  OtelSpanRecord,
  SynthResult,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import { PoisonRecordError } from '../../topics/poison-record.ts';
import type { ConsumedMessage } from '../../topics/port.ts';
import type { WorkerDefinition } from '../harness.ts';
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
  const toEntries: Record<string, (value: Buffer, message: ConsumedMessage) => Promise<LogEntry[]>> = {
    [topics.synthResults.name]: async (value) =>
      robotRunEntries(deps.fromResultRecord(await deps.codecs.results.decode(value))),
    [topics.otelLogs.name]: async (value, message) => [
      otelLogEntry(await deps.codecs.logs.decode(value), message),
    ],
    [topics.otelSpans.name]: async (value, message) => [
      otelSpanEntry(await deps.codecs.spans.decode(value), message),
    ],
  };
  return {
    name: 'logs-store',
    topics: Object.keys(toEntries),
    async decode(message) {
      if (message.value === null)
        throw new PoisonRecordError(`empty message value (tombstone) on ${message.topic}`);
      const decode = toEntries[message.topic];
      if (decode === undefined) throw new PoisonRecordError(`logs-store does not read ${message.topic}`);
      return decode(message.value, message);
    },
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
