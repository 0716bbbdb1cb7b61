// The OTLP message types, loaded once from the upstream OpenTelemetry protos vendored unchanged in
// schemas/opentelemetry-proto/ (see its README for the tag), and google.rpc.Status, the body of
// every OTLP error answer. Field names are lowerCamelCase (protobufjs' default, keepCase false):
// the OTLP/JSON key names, which plain-message.ts and the mappers read.
import path from 'node:path';
import protobuf from 'protobufjs';

export const otlpProtoDirectory = path.join(
  import.meta.dirname,
  '..',
  '..',
  'schemas',
  'opentelemetry-proto',
);

const root = new protobuf.Root();
// Imports are relative to the vendored folder, as upstream's are to its repository root;
// google/protobuf/*.proto (Any, under Status.details) are bundled with protobufjs.
root.resolvePath = (_origin, target) => path.join(otlpProtoDirectory, target);
root.loadSync(
  [
    'opentelemetry/proto/collector/trace/v1/trace_service.proto',
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    'google/rpc/status.proto',
  ],
  { keepCase: false },
);
root.resolveAll();

const collector = (signal: string, name: string): protobuf.Type =>
  root.lookupType(`opentelemetry.proto.collector.${signal}.v1.${name}`);

export const otlpTypes = {
  traceRequest: collector('trace', 'ExportTraceServiceRequest'),
  traceResponse: collector('trace', 'ExportTraceServiceResponse'),
  metricsRequest: collector('metrics', 'ExportMetricsServiceRequest'),
  metricsResponse: collector('metrics', 'ExportMetricsServiceResponse'),
  logsRequest: collector('logs', 'ExportLogsServiceRequest'),
  logsResponse: collector('logs', 'ExportLogsServiceResponse'),
  status: root.lookupType('google.rpc.Status'),
};
