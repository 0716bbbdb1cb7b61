// The OpenTelemetry protos in schemas/opentelemetry-proto/ are upstream's, unchanged: every file
// has the SHA-256 that upstream.json pins (taken from upstream at the tag by
// scripts/vendor-otlp-protos.ts), and the gateway's message types are the ones they define.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { otlpProtoDirectory, otlpTypes } from '../../../ingest-gateway/otlp/protobuf-types.ts';
import { readManifest, vendoredDirectory, vendoredProblems } from '../../../scripts/vendor-otlp-protos.ts';

test('every vendored file has the SHA-256 of its upstream file, and nothing else is in the folder', () => {
  assert.deepEqual(vendoredProblems(), []);
});

test('each source is pinned: opentelemetry-proto at a release tag, both at a full commit', () => {
  const { sources } = readManifest();
  assert.match(sources['opentelemetry-proto']?.ref ?? '', /^v\d+\.\d+\.\d+$/);
  for (const [name, source] of Object.entries(sources)) {
    assert.match(source.commit, /^[0-9a-f]{40}$/, name);
    assert.ok(source.files.includes('LICENSE'), `${name}'s LICENSE is vendored with its files`);
  }
});

test('a changed byte, a missing import or a file of our own in the folder is found', (t) => {
  const copy = mkdtempSync(path.join(tmpdir(), 'otlp-protos-'));
  t.after(() => rmSync(copy, { recursive: true, force: true }));
  cpSync(vendoredDirectory, copy, { recursive: true });
  assert.deepEqual(vendoredProblems(copy), []);

  const trace = 'opentelemetry/proto/trace/v1/trace.proto';
  writeFileSync(path.join(copy, trace), '// edited\n', { flag: 'a' });
  writeFileSync(path.join(copy, 'otlp.proto'), 'syntax = "proto3";\n');
  rmSync(path.join(copy, 'opentelemetry/proto/resource/v1/resource.proto'));
  const problems = vendoredProblems(copy);
  assert.ok(
    problems.some((problem) => problem.startsWith(`${trace}: SHA-256`)),
    problems.join('\n'),
  );
  assert.ok(problems.includes("otlp.proto: not upstream's (not in upstream.json)"), problems.join('\n'));
  assert.ok(
    problems.includes('opentelemetry/proto/resource/v1/resource.proto: missing'),
    problems.join('\n'),
  );
});

test("the gateway's message types, and every type they reach, come from the vendored files", () => {
  const vendored = new Set(Object.keys(readManifest().sha256));
  const expected = {
    traceRequest: '.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    traceResponse: '.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
    metricsRequest: '.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    metricsResponse: '.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
    logsRequest: '.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    logsResponse: '.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
    status: '.google.rpc.Status',
  };
  assert.deepEqual(
    Object.fromEntries(Object.entries(otlpTypes).map(([name, type]) => [name, type.fullName])),
    expected,
  );
  const seen = new Set<protobuf.Type>();
  const visit = (type: protobuf.Type) => {
    if (seen.has(type)) return;
    seen.add(type);
    // google.protobuf.Any (Status.details) is protobufjs' bundled copy, not a vendored file.
    if (!type.fullName.startsWith('.google.protobuf.')) {
      const file = path
        .relative(otlpProtoDirectory, type.filename ?? '')
        .split(path.sep)
        .join('/');
      assert.ok(vendored.has(file), `${type.fullName} is defined in ${type.filename}`);
    }
    for (const field of type.fieldsArray) {
      if (field.resolvedType instanceof protobuf.Type) visit(field.resolvedType);
    }
  };
  for (const type of Object.values(otlpTypes)) visit(type);
  // The OTLP messages the mappers read, by their upstream names.
  for (const name of [
    'Span',
    'Span.Event',
    'Span.Link',
    'Metric',
    'ExponentialHistogramDataPoint.Buckets',
    'LogRecord',
    'AnyValue',
  ]) {
    assert.ok(
      [...seen].some((type) => type.fullName.endsWith(`.${name}`)),
      name,
    );
  }
});

test('fields have the lowerCamelCase names of OTLP/JSON, which the mappers read', () => {
  const span = otlpTypes.traceRequest.lookupType('opentelemetry.proto.trace.v1.Span');
  assert.equal(span.fieldsById[7]?.name, 'startTimeUnixNano');
  assert.equal(span.fieldsById[4]?.name, 'parentSpanId');
  const request = otlpTypes.logsRequest.fromObject({
    resourceLogs: [
      {
        scopeLogs: [{ logRecords: [{ severityNumber: 9, eventName: 'login', body: { stringValue: 'hi' } }] }],
      },
    ],
  });
  const decoded = otlpTypes.logsRequest.toObject(
    otlpTypes.logsRequest.decode(otlpTypes.logsRequest.encode(request).finish()),
  );
  assert.deepEqual(decoded, {
    resourceLogs: [
      {
        scopeLogs: [{ logRecords: [{ severityNumber: 9, eventName: 'login', body: { stringValue: 'hi' } }] }],
      },
    ],
  });
});
