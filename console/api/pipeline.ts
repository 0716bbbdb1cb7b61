// GET /api/v1/pipeline — the operator's "targets" view: every PrimoART process VictoriaMetrics
// scrapes, whether it answered its last scrape and is ready, and per worker its consumer lag and
// dead letters. Instant queries, all evaluated at one moment (`checked_at`), so the parts of one
// answer never mix two points in time. The queries are constants: the endpoint takes no input, so
// nothing reaches PromQL from a request.
import { request } from 'undici';
import { z } from 'zod';
import { defineEndpoint } from '../endpoint.ts';
import type { ConsoleStores } from '../stores.ts';

/**
 * Series of the stack's own scrapes. Every `up` is one: VictoriaMetrics writes it for each target of
 * its scrape config (the stack's processes, infra/stack/services/scrape-config.ts), and a client's
 * metric of that name is stored as `otel_up` (metrics-store). The `primoart_*` series carry the
 * scrape's `job` too, so one without it (samples imported by hand, as the pipeline-health test does)
 * is left out.
 */
const scraped = '{job!=""}';

/** How far back dead letters are counted. */
const deadLetterWindow = '24h';

const queries = {
  up: 'up',
  // The sample's own time, not the evaluation's: when VictoriaMetrics last scraped the target.
  scrapedAt: 'timestamp(up)',
  ready: `primoart_process_ready${scraped}`,
  lag: `sum by (worker) (primoart_worker_lag${scraped})`,
  // increase_prometheus, as the DeadLettersIncreasing rule: MetricsQL's increase counts a series
  // first seen above 0 as a rise from 0 (infra/README.md "Pipeline health").
  deadLettered: `sum by (worker) (increase_prometheus(primoart_worker_dead_lettered_total${scraped}[${deadLetterWindow}]))`,
} as const;

/** A VictoriaMetrics per-query bound: one that hangs fails the request, and the recheck says 503. */
const queryTimeoutMs = 10_000;

const vectorSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
    ),
  }),
});
type Sample = { labels: Record<string, string>; value: number };

async function instantQuery(stores: ConsoleStores, query: string, at: Date): Promise<Sample[]> {
  const url = new URL('/api/v1/query', stores.victoriaMetrics.url);
  url.search = new URLSearchParams({ query, time: String(at.getTime() / 1000) }).toString();
  const response = await request(url, { signal: AbortSignal.timeout(queryTimeoutMs) });
  const text = await response.body.text();
  if (response.statusCode !== 200)
    throw new Error(`VictoriaMetrics answered ${response.statusCode} to ${query}: ${text.slice(0, 500)}`);
  return vectorSchema
    .parse(JSON.parse(text))
    .data.result.map(({ metric, value }) => ({ labels: metric, value: Number(value[1]) }));
}

const processKey = (labels: Record<string, string>) => `${labels.job ?? ''}\n${labels.instance ?? ''}`;
/** A count as a whole number; a NaN or ±Inf VictoriaMetrics may answer is no count at all. */
const wholeOrNull = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? null : Math.round(value);

const processSchema = z.strictObject({
  job: z.string().describe('the scrape job: the process name (gateway, console, synth-store, …)'),
  instance: z.string().describe('the scraped address, host:port'),
  up: z.boolean().describe('whether the last scrape of /metrics answered'),
  ready: z
    .boolean()
    .nullable()
    .describe(
      'primoart_process_ready of the last scrape (started and not shutting down); null when the process was not scraped (up false) or has no such sample',
    ),
  last_scrape_at: z.iso
    .datetime()
    .nullable()
    .describe('when VictoriaMetrics last scraped it (the time of its `up` sample), UTC'),
});

const groupSchema = z.strictObject({
  group: z
    .string()
    .describe(
      'the worker whose consumer group this is (the metrics’ `worker` label; its Kafka group is workers.<name>.group_id, default primoart.<name>)',
    ),
  lag: z
    .number()
    .int()
    .min(0)
    .nullable()
    .describe(
      'messages behind the partition ends, summed over its partitions and instances, as of each one’s last batch; null before its first batch',
    ),
  dead_lettered: z
    .number()
    .int()
    .min(0)
    .nullable()
    .describe(
      'messages it sent to the dead-letter topic in the last 24 hours (the increase, not the counter’s total); null without the counter',
    ),
});

const responseSchema = z.strictObject({
  checked_at: z.iso.datetime().describe('the moment every figure was evaluated at, UTC'),
  processes: z.array(processSchema).describe('by job, then instance'),
  groups: z.array(groupSchema).describe('by group'),
});
export type PipelineAnswer = z.output<typeof responseSchema>;

export const getPipeline = defineEndpoint({
  operationId: 'getPipeline',
  method: 'get',
  path: '/api/v1/pipeline',
  summary:
    'The PrimoART processes VictoriaMetrics scrapes, whether each is up and ready, and each worker’s lag and dead letters',
  description: [
    'From VictoriaMetrics instant queries, all at `checked_at`. processes: every `up` series of the',
    'scrape jobs of PrimoART’s own processes (the gateway, the console and each worker), its',
    '`primoart_process_ready` and the time of its last scrape. groups: per worker, the sum of',
    '`primoart_worker_lag` and the increase over the last 24 hours of',
    '`primoart_worker_dead_lettered_total` (not the counter’s total, which restarts at 0 with the',
    'process).',
  ].join(' '),
  scope: 'read',
  stores: ['victoria-metrics'],
  query: z.strictObject({}),
  response: responseSchema,
  async handle(_input, stores): Promise<PipelineAnswer> {
    const checkedAt = new Date();
    const at = (query: string) => instantQuery(stores, query, checkedAt);
    const [up, scrapedAt, ready, lag, deadLettered] = await Promise.all([
      at(queries.up),
      at(queries.scrapedAt),
      at(queries.ready),
      at(queries.lag),
      at(queries.deadLettered),
    ]);
    const byProcess = (samples: Sample[]) =>
      new Map(samples.map((sample) => [processKey(sample.labels), sample.value]));
    const scrapeTimes = byProcess(scrapedAt);
    const readiness = byProcess(ready);
    const processes = up
      .map(({ labels, value }) => {
        const key = processKey(labels);
        const answered = value === 1;
        const seconds = scrapeTimes.get(key);
        const readyValue = readiness.get(key);
        return {
          job: labels.job ?? '',
          instance: labels.instance ?? '',
          up: answered,
          // A target that did not answer has no current readiness, only a stale one.
          ready: answered && readyValue !== undefined ? readyValue === 1 : null,
          last_scrape_at:
            seconds === undefined || !Number.isFinite(seconds)
              ? null
              : new Date(Math.round(seconds * 1000)).toISOString(),
        };
      })
      .sort((a, b) => a.job.localeCompare(b.job) || a.instance.localeCompare(b.instance));

    const byWorker = (samples: Sample[]) =>
      new Map(samples.map((sample) => [sample.labels.worker ?? '', sample.value]));
    const lags = byWorker(lag);
    const deadLetters = byWorker(deadLettered);
    const groups = [...new Set([...lags.keys(), ...deadLetters.keys()])]
      .sort((a, b) => a.localeCompare(b))
      .map((group) => ({
        group,
        lag: wholeOrNull(lags.get(group)),
        dead_lettered: wholeOrNull(deadLetters.get(group)),
      }));
    return { checked_at: checkedAt.toISOString(), processes, groups };
  },
});
