// One JSON log line per event on stdout (journald / the container runtime collects it), with the
// process's `component` on every line and credentials redacted wherever they appear in a logged object.
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config-schema.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** The process or part that logs, e.g. `ingest-gateway`, `synth-store`. */
  component: string;
  level?: LogLevel;
  /** Where lines go; defaults to stdout, written synchronously so lines logged just before exit are kept. */
  destination?: pino.DestinationStream;
}

// Key names that hold credentials, at the top level and one or two levels down (pino paths have
// no recursive wildcard). Header names are lower-case in Node.
const secretKeys = [
  'authorization',
  '["x-api-key"]',
  'api_key',
  'apiKey',
  'password',
  'secret_key',
  'secretKey',
  'access_key',
  'token',
];
export const redactedPaths = [
  ...secretKeys,
  ...secretKeys.map((key) => (key.startsWith('[') ? `*${key}` : `*.${key}`)),
  ...secretKeys.map((key) => (key.startsWith('[') ? `*.*${key}` : `*.*.${key}`)),
];

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { component: options.component, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * A URL as it may appear in logs and errors: scheme, host and port only, so the password in
 * `postgres://user:pass@host/db` never reaches a log line.
 */
export function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host === '' ? parsed.protocol : parsed.host;
  } catch {
    return '(unparsable URL)';
  }
}
