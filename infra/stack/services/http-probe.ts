// Readiness over HTTP: a service is ready when a health URL answers 2xx (and, when given, its
// body contains the expected text). Connection errors mean "not ready yet", never a failure.

export interface HttpProbeOptions {
  /** Text the response body must contain, e.g. "OK". */
  bodyContains?: string;
  timeoutMs?: number;
}

export async function probeHttpOk(url: string, options: HttpProbeOptions = {}): Promise<boolean> {
  const { bodyContains, timeoutMs = 3_000 } = options;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return response.ok && (bodyContains === undefined || body.includes(bodyContains));
  } catch {
    return false;
  }
}
