// The schema registry's Confluent-compatible REST API, for the operations the codec library does
// not cover the way we need: set a subject's compatibility explicitly, register, and ask whether a
// working-copy schema is compatible before it is registered.
import { request } from 'undici';

export type Compatibility = 'BACKWARD_TRANSITIVE';
export const compatibilityLevel: Compatibility = 'BACKWARD_TRANSITIVE';

const contentType = 'application/vnd.schemaregistry.v1+json';

async function call(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await request(`${baseUrl.replace(/\/$/, '')}${path}`, {
    method,
    headers: { 'content-type': contentType, accept: contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  let json: unknown = text;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    // Keep the raw text: error pages are not always JSON.
  }
  return { status: response.statusCode, json };
}

function fail(what: string, status: number, json: unknown): never {
  const detail =
    typeof json === 'object' && json !== null && 'message' in json
      ? String(json.message)
      : JSON.stringify(json);
  throw new Error(`schema registry: ${what} failed (HTTP ${status}): ${detail}`);
}

const subjectPath = (subject: string): string => encodeURIComponent(subject);

export async function setCompatibility(
  baseUrl: string,
  subject: string,
  level: Compatibility,
): Promise<void> {
  const { status, json } = await call(baseUrl, 'PUT', `/config/${subjectPath(subject)}`, {
    compatibility: level,
  });
  if (status !== 200) fail(`setting ${level} on ${subject}`, status, json);
}

/**
 * The registry-wide default, for subjects without their own setting (a subject created by hand, a
 * producer that registers on its own): the same rule as ours, so nothing skips it.
 */
export async function setGlobalCompatibility(baseUrl: string, level: Compatibility): Promise<void> {
  const { status, json } = await call(baseUrl, 'PUT', '/config', { compatibility: level });
  if (status !== 200) fail(`setting the global compatibility to ${level}`, status, json);
}

export async function getGlobalCompatibility(baseUrl: string): Promise<string | null> {
  const { status, json } = await call(baseUrl, 'GET', '/config');
  if (status !== 200) fail('reading the global compatibility', status, json);
  const level = (json as { compatibilityLevel?: string; compatibility?: string }) ?? {};
  return level.compatibilityLevel ?? level.compatibility ?? null;
}

export async function getCompatibility(baseUrl: string, subject: string): Promise<string | null> {
  const { status, json } = await call(baseUrl, 'GET', `/config/${subjectPath(subject)}`);
  if (status === 404) return null;
  if (status !== 200) fail(`reading the compatibility of ${subject}`, status, json);
  const level = (json as { compatibilityLevel?: string; compatibility?: string }) ?? {};
  return level.compatibilityLevel ?? level.compatibility ?? null;
}

/** Register (or find, if identical) a schema under a subject; returns its global id. */
export async function registerSchema(baseUrl: string, subject: string, schema: unknown): Promise<number> {
  const { status, json } = await call(baseUrl, 'POST', `/subjects/${subjectPath(subject)}/versions`, {
    schema: JSON.stringify(schema),
  });
  if (status !== 200) fail(`registering ${subject}`, status, json);
  return (json as { id: number }).id;
}

/** The id of exactly this schema under the subject, or null when it was never registered. */
export async function lookupSchemaId(
  baseUrl: string,
  subject: string,
  schema: unknown,
): Promise<number | null> {
  const { status, json } = await call(baseUrl, 'POST', `/subjects/${subjectPath(subject)}`, {
    schema: JSON.stringify(schema),
  });
  if (status === 404) return null;
  if (status !== 200) fail(`looking up ${subject}`, status, json);
  return (json as { id: number }).id;
}

export interface CompatibilityVerdict {
  compatible: boolean;
  /** True when the subject has no versions yet (anything is compatible). */
  newSubject: boolean;
  messages: string[];
}

/** Would this schema be accepted as the next version of the subject under its compatibility rule? */
export async function checkCompatibility(
  baseUrl: string,
  subject: string,
  schema: unknown,
): Promise<CompatibilityVerdict> {
  const { status, json } = await call(
    baseUrl,
    'POST',
    `/compatibility/subjects/${subjectPath(subject)}/versions/latest?verbose=true`,
    { schema: JSON.stringify(schema) },
  );
  if (status === 404) return { compatible: true, newSubject: true, messages: [] };
  if (status !== 200) fail(`checking ${subject}`, status, json);
  const verdict = json as { is_compatible: boolean; messages?: string[] };
  return { compatible: verdict.is_compatible, newSubject: false, messages: verdict.messages ?? [] };
}
