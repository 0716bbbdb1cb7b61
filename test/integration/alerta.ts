// The stack's Alerta as integration tests read it: its URL, its admin key, and one request helper.
import assert from 'node:assert/strict';

function required(name: string): string {
  return (
    process.env[name] ||
    assert.fail(`${name} is not set: run integration tests through 'scripts/primoart test'`)
  );
}

export const alertaUrl = (): string => required('PRIMOART_ALERTA_URL');
export const alertaKey = (): string => required('PRIMOART_ALERTA_KEY');

/** The fields of an Alerta alert the tests look at (docs.alerta.io/api/alert.html). */
export interface AlertaAlert {
  id: string;
  resource: string;
  event: string;
  environment: string;
  severity: string;
  status: string;
  duplicateCount: number;
  lastReceiveTime: string;
  service: string[];
  group: string;
  text: string;
  attributes: Record<string, unknown>;
  history?: Array<{ severity?: string; status?: string; type: string; updateTime: string }>;
}

/** A request with the admin key; the JSON answer. Asserts success (a DELETE may also find nothing: 404). */
export async function alerta<T = any>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${alertaUrl()}${path}`, {
    method,
    headers: {
      authorization: `Key ${alertaKey()}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(
    response.ok || (method === 'DELETE' && response.status === 404),
    `${method} ${path}: ${response.status} ${text}`,
  );
  return (text === '' ? {} : JSON.parse(text)) as T;
}
