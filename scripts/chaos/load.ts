// The chaos run's steady load: robots uploading one result per run (every fifth a FAIL with a
// screenshot), and an instrumented app sending OTLP spans and logs, each client retrying as robots
// and exporters do: on 503, any other 5xx and a connection error, after a backoff, the same body
// again, until it is answered 2xx. Every answer is kept with its time (the fault table counts them),
// and what was accepted is what the stores must hold afterwards.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** A 1×1 PNG: the smallest well-formed image the gateway accepts. */
const tinyPng =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export type AnswerKind = 'result' | 'spans' | 'logs';

export interface Answer {
  at: number;
  kind: AnswerKind;
  /** The HTTP status, or 0 for a connection error (refused, reset, timed out). */
  status: number;
}

export interface AcceptedResult {
  resultId: string;
  robotId: string;
  transactionId: string;
  /** The screenshot's object key, for a FAIL run. */
  screenshotKey?: string;
  /** When the gateway answered 2xx, ms since the epoch. */
  acceptedAt: number;
}

export interface LoadOptions {
  gatewayUrl: string;
  apiKey: string;
  /** Names everything this run sends (transaction and service names), so the stores can be asked for it alone. */
  session: string;
  robots: number;
  /** Pause between one robot's runs (and between an app's OTLP requests). */
  intervalMs: number;
  /** Records per OTLP request. */
  otlpBatch: number;
}

export class Load {
  readonly answers: Answer[] = [];
  readonly results: AcceptedResult[] = [];
  readonly spanIds: string[] = [];
  readonly logSeqs: string[] = [];
  /**
   * Ids of OTLP records whose request got no answer or a 5xx before it was accepted: the first
   * attempt may have been published already. OTLP carries no idempotency key, so the retry is a
   * record of its own (README.md "Logs"), and such ids may be stored twice by design.
   */
  readonly resentIds = new Set<string>();
  /** 4xx answers: the load's own bodies are valid, so each is a defect worth printing. */
  readonly refused: string[] = [];
  private stopping = false;
  private aborted = false;
  private clients: Promise<void>[] = [];
  private logSeq = 0;
  private readonly transactions: string[];
  private readonly options: LoadOptions;

  constructor(options: LoadOptions) {
    this.options = options;
    this.transactions = Array.from({ length: 4 }, () => randomUUID());
  }

  start(): void {
    const robots = Array.from({ length: this.options.robots }, () => randomUUID());
    this.clients = [
      ...robots.map((robotId, i) => this.robot(robotId, i)),
      this.otlp('spans'),
      this.otlp('logs'),
    ];
  }

  /** Stop sending new requests; resolves once every request in hand was answered 2xx (or refused). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.clients);
  }

  /** Stop at once: requests in hand are given up after their current attempt (the run failed). */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.stop();
  }

  private async robot(robotId: string, index: number): Promise<void> {
    // Robots start spread over one interval, as a fleet's schedules are.
    await sleep((index * this.options.intervalMs) / this.options.robots);
    for (let run = 0; !this.stopping; run++) {
      const transactionId = this.transactions[run % this.transactions.length] as string;
      const failed = run % 5 === 4;
      const finished = Date.now() - 1_000;
      const started = finished - 800;
      const iso = (ms: number) => new Date(ms).toISOString();
      const resultId = randomUUID();
      const body = {
        result_id: resultId,
        transaction_id: transactionId,
        transaction_name: `${this.options.session} journey ${this.transactions.indexOf(transactionId)}`,
        service: this.options.session,
        robot_id: robotId,
        robot_name: `${this.options.session} robot ${index}`,
        started_at: iso(started),
        finished_at: iso(finished),
        status: failed ? 'FAIL' : 'OK',
        steps: [
          { index: 0, name: 'open', started_at: iso(started), finished_at: iso(started + 300), status: 'OK' },
          {
            index: 1,
            name: 'log in',
            started_at: iso(started + 300),
            finished_at: iso(finished),
            status: failed ? 'FAIL' : 'OK',
          },
        ],
        ...(failed ? { screenshots: [{ step_index: 1, content_type: 'image/png', data: tinyPng }] } : {}),
      };
      if ((await this.send('result', '/api/v1/transactions/results/upload', body)).accepted) {
        this.results.push({
          resultId,
          robotId,
          transactionId,
          acceptedAt: Date.now(),
          ...(failed ? { screenshotKey: `screenshots/${transactionId}/${robotId}/${resultId}/1-0.png` } : {}),
        });
      }
      await sleep(this.options.intervalMs);
    }
  }

  private async otlp(kind: 'spans' | 'logs'): Promise<void> {
    const resource = {
      attributes: [{ key: 'service.name', value: { stringValue: this.options.session } }],
    };
    while (!this.stopping) {
      const now = BigInt(Date.now()) * 1_000_000n;
      if (kind === 'spans') {
        const traceId = randomBytes(16).toString('hex');
        const spanIds = Array.from({ length: this.options.otlpBatch }, () => randomBytes(8).toString('hex'));
        const body = {
          resourceSpans: [
            {
              resource,
              scopeSpans: [
                {
                  scope: { name: 'primoart-chaos' },
                  spans: spanIds.map((spanId) => ({
                    traceId,
                    spanId,
                    name: 'GET /checkout',
                    kind: 2,
                    startTimeUnixNano: String(now - 5_000_000n),
                    endTimeUnixNano: String(now),
                    status: {},
                  })),
                },
              ],
            },
          ],
        };
        const sent = await this.send('spans', '/v1/traces', body);
        if (sent.accepted) this.spanIds.push(...spanIds);
        if (sent.accepted && sent.resent) for (const id of spanIds) this.resentIds.add(id);
      } else {
        const seqs = Array.from(
          { length: this.options.otlpBatch },
          () => `${this.options.session}-${this.logSeq++}`,
        );
        const body = {
          resourceLogs: [
            {
              resource,
              scopeLogs: [
                {
                  scope: { name: 'primoart-chaos' },
                  logRecords: seqs.map((seq) => ({
                    timeUnixNano: String(now),
                    severityText: 'INFO',
                    body: { stringValue: `checkout done ${seq}` },
                    attributes: [{ key: 'chaos.seq', value: { stringValue: seq } }],
                  })),
                },
              ],
            },
          ],
        };
        const sent = await this.send('logs', '/v1/logs', body);
        if (sent.accepted) this.logSeqs.push(...seqs);
        if (sent.accepted && sent.resent) for (const seq of seqs) this.resentIds.add(seq);
      }
      await sleep(this.options.intervalMs);
    }
  }

  /**
   * POST until answered 2xx (accepted) or 4xx (refused); 5xx and connection errors are retried.
   * `resent`: an attempt before the last got no answer or a 5xx, so it may have been published too.
   */
  private async send(
    kind: AnswerKind,
    path: string,
    body: unknown,
  ): Promise<{ accepted: boolean; resent: boolean }> {
    const text = JSON.stringify(body);
    let resent = false;
    for (let backoffMs = 250; ; backoffMs = Math.min(backoffMs * 2, 2_000), resent = true) {
      let status = 0;
      let answer = '';
      try {
        const response = await fetch(`${this.options.gatewayUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}` },
          body: text,
          signal: AbortSignal.timeout(30_000),
        });
        status = response.status;
        answer = await response.text();
      } catch {
        status = 0;
      }
      this.answers.push({ at: Date.now(), kind, status });
      if (status >= 200 && status < 300) return { accepted: true, resent };
      if (status >= 400 && status < 500) {
        this.refused.push(`${kind} ${status}: ${answer.slice(0, 300)}`);
        return { accepted: false, resent };
      }
      if (this.aborted) return { accepted: false, resent };
      await sleep(backoffMs);
    }
  }
}
