// The request limits and the wire-format scan that enforces them before protobufjs decodes
// anything: wrong wire types, lengths past their message, nesting and record counts are refused
// with a reason, in the same way for protobuf and JSON; valid bodies of every signal pass.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decodeRequest, OtlpDecodeError, OtlpLimitError } from '../../../ingest-gateway/otlp/decode.ts';
import { otlpTypes } from '../../../ingest-gateway/otlp/protobuf-types.ts';
import { scanProtobuf } from '../../../ingest-gateway/otlp/wire-scan.ts';

/** Request limits: `records` records, as many values as it takes unless `values` says otherwise. */
const limit = (records: number, values = Number.MAX_SAFE_INTEGER) => ({
  maxRecordsPerRequest: records,
  maxValuesPerRequest: values,
});

const encodeTraces = (request: Record<string, unknown>) =>
  Buffer.from(otlpTypes.traceRequest.encode(otlpTypes.traceRequest.fromObject(request)).finish());

function spans(count: number, extra: Record<string, unknown> = {}) {
  return Array.from({ length: count }, () => ({
    traceId: randomBytes(16),
    spanId: randomBytes(8),
    ...extra,
  }));
}

/** A value nesting `depth` AnyValues, alternating arrays and key-value lists. */
function nestedValue(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { intValue: 1 };
  for (let level = 1; level < depth; level++) {
    value =
      level % 2 === 0
        ? { arrayValue: { values: [value] } }
        : { kvlistValue: { values: [{ key: `k${level}`, value }] } };
  }
  return value;
}

test('a valid request of every signal passes the scan and decodes', () => {
  const traces = encodeTraces({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'deep', value: nestedValue(32) }] },
        scopeSpans: [{ spans: spans(3, { kind: 2, startTimeUnixNano: '1', events: [{ name: 'e' }] }) }],
      },
    ],
  });
  scanProtobuf(otlpTypes.traceRequest, traces, limit(3));
  const metrics = Buffer.from(
    otlpTypes.metricsRequest
      .encode(
        otlpTypes.metricsRequest.fromObject({
          resourceMetrics: [
            {
              scopeMetrics: [
                {
                  metrics: [
                    {
                      name: 'h',
                      histogram: {
                        dataPoints: [{ bucketCounts: ['1', '2'], explicitBounds: [1.5], count: '3' }],
                      },
                    },
                    {
                      name: 'e',
                      exponentialHistogram: {
                        dataPoints: [
                          { positive: { offset: -2, bucketCounts: ['1', '300'] }, zeroCount: '1' },
                        ],
                      },
                    },
                    { name: 's', sum: { dataPoints: [{ asInt: '-5' }], isMonotonic: true } },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish(),
  );
  scanProtobuf(otlpTypes.metricsRequest, metrics, limit(3));
  assert.equal(
    (decodeRequest(otlpTypes.metricsRequest, metrics, 'protobuf', limit(3)).resourceMetrics as unknown[])
      .length,
    1,
  );
});

test('a field in the wrong wire type is refused, naming the field (protobufjs would read it as something else)', () => {
  // 08 05: field 1 (resourceSpans, a message) as a varint.
  assert.throws(
    () => decodeRequest(otlpTypes.traceRequest, Buffer.from([0x08, 0x05]), 'protobuf', limit(10)),
    (error: Error) =>
      error instanceof OtlpDecodeError && /resourceSpans \(1\) has wire type varint/.test(error.message),
  );
  // A span's kind (enum, varint) sent as a 32-bit value, inside a valid envelope.
  const span = Buffer.concat([Buffer.from([0x30 | 5]), Buffer.alloc(4)]); // field 6, wire type 5
  const scopeSpans = Buffer.concat([Buffer.from([0x12, span.length]), span]);
  const resourceSpans = Buffer.concat([Buffer.from([0x12, scopeSpans.length]), scopeSpans]);
  const body = Buffer.concat([Buffer.from([0x0a, resourceSpans.length]), resourceSpans]);
  assert.throws(
    () => scanProtobuf(otlpTypes.traceRequest, body, limit(10)),
    /resourceSpans.scopeSpans.spans at byte \d+: field kind \(6\) has wire type 32-bit/,
  );
  // Groups and wire types 6/7 do not occur in OTLP, even as unknown fields.
  assert.throws(
    () => scanProtobuf(otlpTypes.traceRequest, Buffer.from([0x7b]), limit(10)),
    /wire type group start/,
  );
  assert.throws(
    () => scanProtobuf(otlpTypes.traceRequest, Buffer.from([0x7e]), limit(10)),
    /unsupported wire type 6/,
  );
});

test('unknown fields of a valid wire type are skipped (newer senders), lengths must stay in their message', () => {
  // Field 99 (unknown) as a varint and as bytes, then nothing else.
  scanProtobuf(otlpTypes.traceRequest, Buffer.from([0x98, 0x06, 0x01, 0x9a, 0x06, 0x01, 0x00]), limit(10));
  // A resourceSpans that claims 5 bytes but has 1.
  assert.throws(
    () => scanProtobuf(otlpTypes.traceRequest, Buffer.from([0x0a, 0x05, 0x00]), limit(10)),
    /length 5 runs past the end/,
  );
  // A message that ends inside a field of its parent: the inner length runs past its message.
  assert.throws(
    () =>
      scanProtobuf(otlpTypes.traceRequest, Buffer.from([0x0a, 0x02, 0x12, 0x05, 0, 0, 0, 0, 0]), limit(10)),
    /runs past the end of its message/,
  );
  assert.throws(
    () => scanProtobuf(otlpTypes.traceRequest, Buffer.from([0x98, 0x06, 0xff]), limit(10)),
    /truncated varint/,
  );
  assert.throws(
    () =>
      scanProtobuf(
        otlpTypes.traceRequest,
        Buffer.from([0x98, 0x06, ...Array(10).fill(0xff), 0x01]),
        limit(10),
      ),
    /longer than 10 bytes/,
  );
  // Packed fixed64 bucket counts whose length is not a multiple of 8.
  const point = Buffer.from([0x32, 0x03, 1, 2, 3]); // HistogramDataPoint.bucket_counts (6), 3 bytes
  const histogram = Buffer.concat([Buffer.from([0x0a, point.length]), point]);
  const metric = Buffer.concat([Buffer.from([0x0a, 0x01, 0x68, 0x4a, histogram.length]), histogram]);
  const scope = Buffer.concat([Buffer.from([0x12, metric.length]), metric]);
  const resource = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
  const body = Buffer.concat([Buffer.from([0x0a, resource.length]), resource]);
  assert.throws(() => scanProtobuf(otlpTypes.metricsRequest, body, limit(10)), /not a multiple of 8/);
});

test('attribute values nesting past 32 levels are refused in both encodings; at 32 they are kept', () => {
  for (const depth of [33, 40, 47, 1000]) {
    if (depth <= 47) {
      assert.throws(
        () => decodeRequest(otlpTypes.traceRequest, nestedProtobuf(depth), 'protobuf', limit(10)),
        (error: Error) =>
          error instanceof OtlpDecodeError && /nest deeper than 32 levels/.test(error.message),
        `protobuf, depth ${depth}`,
      );
    }
    const json = Buffer.from(
      JSON.stringify({
        resourceSpans: [{ resource: { attributes: [{ key: 'deep', value: nestedValue(depth) }] } }],
      }),
    );
    assert.throws(
      () => decodeRequest(otlpTypes.traceRequest, json, 'json', limit(10)),
      (error: Error) => error instanceof OtlpDecodeError && /nest deeper than 32 levels/.test(error.message),
      `json, depth ${depth}`,
    );
  }
  // Thousands of levels, written byte by byte (protobufjs itself refuses to encode past its own limit).
  assert.throws(
    () => scanProtobuf(otlpTypes.traceRequest, nestedProtobuf(3000), limit(10)),
    /nest deeper than 32 levels/,
  );
  assert.deepEqual(
    (
      decodeRequest(otlpTypes.traceRequest, nestedProtobuf(32), 'protobuf', limit(10))
        .resourceSpans as unknown[]
    ).length,
    1,
  );
});

/** A length-delimited field: tag byte, varint length, bytes. */
function wrap(inner: Buffer, tag: number): Buffer {
  const length: number[] = [];
  let n = inner.length;
  while (n >= 0x80) {
    length.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  length.push(n);
  return Buffer.concat([Buffer.from([tag, ...length]), inner]);
}

/** A trace request whose resource attribute value nests `depth` AnyValues (arrays), byte by byte. */
function nestedProtobuf(depth: number): Buffer {
  let value: Buffer = Buffer.from([0x10, 0x01]); // AnyValue { bool_value: true }
  // AnyValue.array_value (5) { ArrayValue.values (1): AnyValue }
  for (let level = 1; level < depth; level++) value = wrap(wrap(value, 0x0a), 0x2a);
  const keyValue = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b]), wrap(value, 0x12)]);
  // Resource.attributes (1), ResourceSpans.resource (1), ExportTraceServiceRequest.resource_spans (1)
  return wrap(wrap(wrap(keyValue, 0x0a), 0x0a), 0x0a);
}

test('more records than the limit are refused before they are decoded, in both encodings', () => {
  const within = encodeTraces({
    resourceSpans: [{ scopeSpans: [{ spans: spans(5) }] }, { scopeSpans: [{ spans: spans(5) }] }],
  });
  scanProtobuf(otlpTypes.traceRequest, within, limit(10));
  assert.throws(() => scanProtobuf(otlpTypes.traceRequest, within, limit(9)), OtlpLimitError);
  // A million empty spans (2 bytes each, 2 MB): refused at the limit.
  const emptySpan = Buffer.from([0x12, 0x00]); // ScopeSpans.spans, length 0
  const scopeBody = Buffer.alloc(emptySpan.length * 1_000_000);
  for (let i = 0; i < 1_000_000; i++) emptySpan.copy(scopeBody, i * 2);
  const lengthOf = (n: number) => {
    const bytes: number[] = [];
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    bytes.push(n);
    return Buffer.from(bytes);
  };
  const scope = Buffer.concat([Buffer.from([0x12]), lengthOf(scopeBody.length), scopeBody]);
  const body = Buffer.concat([Buffer.from([0x0a]), lengthOf(scope.length), scope]);
  assert.throws(
    () => decodeRequest(otlpTypes.traceRequest, body, 'protobuf', limit(20_000)),
    (error: Error) =>
      error instanceof OtlpLimitError && /more than 20000 .*max_records_per_request/.test(error.message),
  );
  const json = Buffer.from(
    JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 11 }, () => ({})) }] }],
    }),
  );
  assert.throws(() => decodeRequest(otlpTypes.logsRequest, json, 'json', limit(10)), OtlpLimitError);
  assert.equal(
    (decodeRequest(otlpTypes.logsRequest, json, 'json', limit(11)).resourceLogs as unknown[]).length,
    1,
  );
});

test('more messages than the values limit (tiny attributes by the million) are refused before decoding', () => {
  // One span with 1,000 attributes: 2 messages each (KeyValue, AnyValue), plus the envelope.
  const attributes = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } }));
  const body = encodeTraces({ resourceSpans: [{ scopeSpans: [{ spans: spans(1, { attributes }) }] }] });
  scanProtobuf(otlpTypes.traceRequest, body, limit(10, 2010));
  assert.throws(
    () => scanProtobuf(otlpTypes.traceRequest, body, limit(10, 1999)),
    (error: Error) =>
      error instanceof OtlpLimitError &&
      /more than 1999 messages .*max_values_per_request/.test(error.message),
  );
  const json = Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'ab'.repeat(16),
                  spanId: 'cd'.repeat(8),
                  attributes: attributes.map((a) => ({
                    key: a.key,
                    value: { intValue: String(a.value.intValue) },
                  })),
                },
              ],
            },
          ],
        },
      ],
    }),
  );
  decodeRequest(otlpTypes.traceRequest, json, 'json', limit(10, 2010));
  assert.throws(() => decodeRequest(otlpTypes.traceRequest, json, 'json', limit(10, 1999)), OtlpLimitError);
});
