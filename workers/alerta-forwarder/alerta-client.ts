// A small client for Alerta's `POST /alert` and `POST /heartbeat`.
//
// Failures are classified for the worker harness: a 4xx other than 429 is about what was sent
// (PoisonRecordError: dead-letter it), a 5xx, a 429 or a connection failure or timeout may pass
// (retry with lag).
import { Agent, request } from 'undici';
import { PoisonRecordError } from '../failures.ts';
import type { AlertaAlert } from './alert-body.ts';
import type { AlertaForwarderOptions } from './forwarder-options.ts';

/** The fields of Alerta's heartbeat format we send (https://docs.alerta.io/api/heartbeat.html). */
export interface AlertaHeartbeat {
  origin: string;
  tags: string[];
  attributes: Record<string, string>;
  type: 'Heartbeat';
  createTime: string;
  /** Seconds without a heartbeat before Alerta considers the origin stale. */
  timeout: number;
}

export class AlertaStatusError extends Error {
  override readonly name = 'AlertaStatusError';
  readonly status: number;
  constructor(status: number, body: string) {
    super(`Alerta answered ${status}: ${body.slice(0, 500)}`);
    this.status = status;
  }
}

export interface AlertaClient {
  /** Resolves with the alert id Alerta answered, once it accepted the alert. */
  sendAlert(alert: AlertaAlert): Promise<string | null>;
  sendHeartbeat(heartbeat: AlertaHeartbeat): Promise<void>;
  close(): Promise<void>;
}

export function heartbeatOf(
  options: Pick<AlertaForwarderOptions, 'origin' | 'heartbeatTimeoutSeconds'>,
  now: Date,
  tags: string[] = [],
): AlertaHeartbeat {
  return {
    origin: options.origin,
    tags,
    attributes: {},
    type: 'Heartbeat',
    createTime: now.toISOString(),
    timeout: options.heartbeatTimeoutSeconds,
  };
}

function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path}`;
}

export function createAlertaClient(
  options: Pick<AlertaForwarderOptions, 'url' | 'apiKey' | 'requestTimeoutMs'>,
): AlertaClient {
  const dispatcher = new Agent({
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    connectTimeout: options.requestTimeoutMs,
  });

  async function post(path: string, body: unknown): Promise<string> {
    const response = await request(endpoint(options.url, path), {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Key ${options.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 200 && response.statusCode < 300) return text;
    const error = new AlertaStatusError(response.statusCode, text);
    if (response.statusCode >= 400 && response.statusCode < 500 && response.statusCode !== 429) {
      throw new PoisonRecordError(error.message, { cause: error });
    }
    throw error;
  }

  return {
    async sendAlert(alert) {
      const text = await post('alert', alert);
      try {
        const answer = JSON.parse(text) as { id?: unknown };
        return typeof answer.id === 'string' ? answer.id : null;
      } catch {
        return null;
      }
    },
    async sendHeartbeat(heartbeat) {
      await post('heartbeat', heartbeat);
    },
    close: () => dispatcher.close(),
  };
}
