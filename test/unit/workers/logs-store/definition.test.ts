import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OtelLogRecord, SynthResult } from '../../../../schemas/record-types.ts';
import { topics } from '../../../../topics/catalog.ts';
import type { ValueCodec } from '../../../../topics/codec.ts';
import { logsStoreDefinition } from '../../../../workers/logs-store/definition.ts';
import type { LogEntry } from '../../../../workers/logs-store/log-entries.ts';
import { consumedMessage } from '../fake-kafka.ts';

function fixedCodec<T>(value: T): ValueCodec<T> {
  return { schemaId: 1, encode: async () => Buffer.alloc(0), decode: async () => value };
}

const record: OtelLogRecord = {
  service_name: 'checkout',
  resource: { attributes: [], dropped_attributes_count: 0, schema_url: '' },
  scope: { name: '', version: '', attributes: [], dropped_attributes_count: 0, schema_url: '' },
  received_at: Date.parse('2026-11-23T04:00:05.000Z'),
  time_unix_micros: -1_000_000,
  observed_time_unix_micros: null,
  severity_number: 9,
  severity_text: 'INFO',
  body: null,
  attributes: [],
  dropped_attributes_count: 0,
  flags: 0,
  trace_id: null,
  span_id: null,
  event_name: 'e',
};

test('an entry id is where its record was read; changes are counted once the entries are stored', async () => {
  const written: LogEntry[][] = [];
  const counted: string[] = [];
  let failNext = true;
  const definition = logsStoreDefinition({
    codecs: { results: fixedCodec({} as never), logs: fixedCodec(record), spans: fixedCodec({} as never) },
    fromResultRecord: () => ({}) as SynthResult,
    writer: {
      async write(entries) {
        if (failNext) {
          failNext = false;
          throw new Error('VictoriaLogs unavailable');
        }
        written.push(entries);
      },
      async close() {},
    },
    count: (reason) => counted.push(reason),
    now: () => Date.parse('2026-11-23T04:00:10.000Z'),
  });
  const message = consumedMessage(41, { topic: topics.otelLogs.name, partition: 3 });
  const entries = await definition.decode(message);
  assert.equal(entries[0]?.entry_id, `${topics.otelLogs.name}/3/41`);
  await assert.rejects(definition.write([{ message, record: entries }]));
  assert.deepEqual(counted, []);
  await definition.write([{ message, record: entries }]);
  assert.deepEqual(counted, ['time_out_of_range_replaced']);
  assert.equal(written[0]?.[0]?._time, new Date(message.timestamp).toISOString());
  assert.equal(written[0]?.[0]?.reported_time, '1969-12-31T23:59:59.000000Z');
});
