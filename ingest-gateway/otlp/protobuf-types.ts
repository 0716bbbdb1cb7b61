// The OTLP message types, parsed once from otlp.proto (written from the OTLP specification).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

const root = protobuf.parse(readFileSync(path.join(import.meta.dirname, 'otlp.proto'), 'utf8'), {
  keepCase: false,
}).root;

const messageType = (name: string): protobuf.Type => root.lookupType(`primoart.otlp.${name}`);

export const otlpTypes = {
  traceRequest: messageType('ExportTraceServiceRequest'),
  traceResponse: messageType('ExportTraceServiceResponse'),
  metricsRequest: messageType('ExportMetricsServiceRequest'),
  metricsResponse: messageType('ExportMetricsServiceResponse'),
  logsRequest: messageType('ExportLogsServiceRequest'),
  logsResponse: messageType('ExportLogsServiceResponse'),
  status: messageType('Status'),
};
