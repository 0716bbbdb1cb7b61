// A small client for Alerta's `POST /alert`, and for what the heartbeat watch reads and deletes
// (`GET /heartbeats`, `GET /alerts`, `DELETE /heartbeat/<id>`). Heartbeats are sent by the worker
// frame with a sender of its own (../heartbeats.ts), not by this client.
//
// Failures are classified for the worker harness: a 4xx other than 429 is about what was sent
// (PoisonRecordError: dead-letter it), a 5xx, a 429 or a connection failure or timeout may pass
// (retry with lag).
import { Agent, request } from 'undici';
import { PoisonRecordError } from '../../topics/poison-record.ts';
import type { AlertaAlert } from './alert-body.ts';
import type { AlertaForwarderOptions } from './forwarder-options.ts';

/** A heartbeat as `GET /heartbeats` lists it; `status` and `since` are computed by Alerta at query time. */
export interface ListedHeartbeat {
  id: string;
  origin: string;
  status: 'ok' | 'slow' | 'expired';
  receiveTime: string;
  /** Seconds since the last heartbeat was received. */
  since: number;
  /** Seconds. */
  timeout: number;
  /** Milliseconds from the heartbeat's createTime to its receipt. */
  latency: number;
  maxLatency: number;
}

/** The fields of an alert as `GET /alerts` lists it that we read. */
export interface ListedAlert {
  id: string;
  resource: string;
  event: string;
  environment: string;
  status: string;
}

/** Query parameters of Alerta's list endpoints: a list repeats the parameter (an OR). */
export type AlertaFilter = Record<string, string | string[]>;

/** Alerta pages lists (DEFAULT_PAGE_SIZE 50); a large page keeps the usual case to one request. */
const listPageSize = 500;

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
  /** Every heartbeat matching `filter`, all pages. */
  listHeartbeats(filter: AlertaFilter): Promise<ListedHeartbeat[]>;
  /** Every alert matching `filter`, all pages. */
  listAlerts(filter: AlertaFilter): Promise<ListedAlert[]>;
  deleteHeartbeat(id: string): Promise<void>;
  close(): Promise<void>;
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

  async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<string> {
    const response = await request(endpoint(options.url, path), {
      method,
      dispatcher,
      headers: { authorization: `Key ${options.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 200 && response.statusCode < 300) return text;
    throw new AlertaStatusError(response.statusCode, text);
  }

  async function post(path: string, body: unknown): Promise<string> {
    try {
      return await call('POST', path, body);
    } catch (error) {
      if (
        error instanceof AlertaStatusError &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 429
      )
        throw new PoisonRecordError(error.message, { cause: error });
      throw error;
    }
  }

  /** Follows `more` page by page: Alerta answers a page beyond the last with 416. */
  async function listAll<T>(path: string, key: string, filter: AlertaFilter): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(filter))
        for (const one of Array.isArray(value) ? value : [value]) query.append(name, one);
      query.set('page', String(page));
      query.set('page-size', String(listPageSize));
      const answer = JSON.parse(await call('GET', `${path}?${query}`)) as Record<string, unknown>;
      const listed = answer[key];
      if (!Array.isArray(listed)) throw new Error(`GET /${path}: no ${key} list in Alerta's answer`);
      items.push(...(listed as T[]));
      if (answer.more !== true || listed.length === 0) return items;
    }
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
    listHeartbeats: (filter) => listAll<ListedHeartbeat>('heartbeats', 'heartbeats', filter),
    listAlerts: (filter) => listAll<ListedAlert>('alerts', 'alerts', filter),
    async deleteHeartbeat(id) {
      await call('DELETE', `heartbeat/${encodeURIComponent(id)}`);
    },
    close: () => dispatcher.close(),
  };
}
