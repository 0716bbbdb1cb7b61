// How the harness tells a failure it should wait out from one it must set aside.
import { PoisonRecordError } from '../topics/poison-record.ts';

export type FailureKind = 'transient' | 'poison';

const transientNodeCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Default classification: only errors known to be about the record are poison. Anything else is
 * treated as transient, because retrying with lag is recoverable and dead-lettering good data is not.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof PoisonRecordError) return 'poison';
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = String((error as { code: unknown }).code);
    if (transientNodeCodes.has(code)) return 'transient';
    // PostgreSQL SQLSTATE classes 22 (data exception) and 23 (integrity violation) are about the data.
    if (/^(22|23)[0-9A-Z]{3}$/.test(code)) return 'poison';
  }
  return 'transient';
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && error.code !== undefined ? ` [${String(error.code)}]` : '';
    return `${error.name}${code}: ${error.message}`;
  }
  return String(error);
}
