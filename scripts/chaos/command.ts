// `primoart chaos`: against a running 3-broker stack with two or more instances of each store
// worker, a steady load of robot results (with screenshots) and OTLP spans and logs, while brokers,
// worker instances, the stores and the gateway fail one after another. Afterwards it waits for every
// store worker's group to catch up and prints, per store, what the gateway accepted and what the
// store holds (missing, duplicated), and the gateway's answers during each fault. Exit 0 only with
// nothing missing, nothing duplicated, nothing refused, and no 503 while one broker was down.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createLogger } from '../../core/logging.ts';
import { table } from '../../core/text-table.ts';
import { stackVariables } from '../../infra/stack/commands.ts';
import { createStackContext } from '../../infra/stack/context.ts';
import { kafkaAdminIdentity } from '../../infra/stack/kafka-identities.ts';
import { instanceName, instancesOf } from '../../infra/stack/layout.ts';
import type { StackContext } from '../../infra/stack/service.ts';
import { stackServices } from '../../infra/stack/services/index.ts';
import { kafkaBrokerList, kafkaCredentials, kafkaNodeName } from '../../infra/stack/services/kafka.ts';
import { currentPathInputs, resolveStackPaths } from '../../infra/stack/stack-paths.ts';
import { groupLag } from '../../topics/admin.ts';
import { connectKafka } from '../../topics/kafkajs-adapter.ts';
import { workerBusAccess } from '../../workers/bus-access.ts';
import { seededRandom } from '../fleet/random.ts';
import { applyFault, type FaultWindow, faultPlan } from './faults.ts';
import { type AcceptedResult, type Answer, Load } from './load.ts';
import {
  countMinio,
  countPostgres,
  countVictoriaLogs,
  countVictoriaMetrics,
  type StoreCount,
} from './verify.ts';

const storeWorkers = ['synth-store', 'artifact-store', 'logs-store', 'metrics-store'] as const;
const storeServices = ['postgres', 'victoria-metrics', 'victoria-logs', 'minio'];

export async function chaosCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'state-dir': { type: 'string' },
      minutes: { type: 'string', default: '10' },
      'outage-seconds': { type: 'string', default: '30' },
      'worker-kills': { type: 'string', default: '10' },
      'broker-kills': { type: 'string', default: '2' },
      robots: { type: 'string', default: '8' },
      'interval-ms': { type: 'string', default: '500' },
      seed: { type: 'string' },
    },
  });
  const number = (name: keyof typeof values): number => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`--${name} needs a number, got '${values[name]}'`);
    return value;
  };
  const say = (line: string) => process.stderr.write(`chaos: ${line}\n`);
  const paths = resolveStackPaths(currentPathInputs(values['state-dir']));
  const ctx = createStackContext({ paths, createSecrets: false, progress: () => undefined });
  const { layout } = ctx;
  const unscaled = storeWorkers.filter((worker) => instancesOf(layout, worker) < 2);
  if (layout.kafkaBrokers < 3 || unscaled.length > 0) {
    say(
      `this stack (${paths.stateDir}) has ${layout.kafkaBrokers} broker(s)` +
        (unscaled.length > 0 ? ` and one instance of ${unscaled.join(', ')}` : '') +
        '; start it with\n  scripts/primoart up --kafka-brokers 3 --scale ' +
        storeWorkers.map((w) => `${w}=2`).join(','),
    );
    return 2;
  }
  const services = stackServices(layout);
  const env = stackVariables(ctx, services);
  const minutes = number('minutes');
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : number('seed');
  const session = `chaos-${randomUUID().slice(0, 8)}`;
  const plan = faultPlan({
    brokers: Array.from({ length: layout.kafkaBrokers }, (_, i) => kafkaNodeName(i + 1)),
    workerInstances: storeWorkers.flatMap((worker) =>
      Array.from({ length: instancesOf(layout, worker) }, (_, i) => instanceName(worker, i + 1)),
    ),
    stores: storeServices,
    outageMs: number('outage-seconds') * 1000,
    workerKills: number('worker-kills'),
    brokerKills: number('broker-kills'),
    random: seededRandom(seed).next,
  });
  say(`session ${session}, seed ${seed}: ${minutes} min of load, ${plan.length} faults`);

  const load = new Load({
    gatewayUrl: required(env, 'PRIMOART_GATEWAY_URL'),
    apiKey: ctx.secrets.adminApiKey,
    session,
    robots: number('robots'),
    intervalMs: number('interval-ms'),
    otlpBatch: 5,
  });
  const began = Date.now();
  load.start();
  try {
    return await runFaultsAndCount();
  } catch (error) {
    // The load's clients would retry against a stack left broken for ever: stop them, then fail.
    say(`the run failed: ${(error as Error).message}`);
    await load.abort();
    throw error;
  }

  async function runFaultsAndCount(): Promise<number> {
    // The faults spread over the run, the first after a quiet start, the last a while before its end.
    const spacingMs = (minutes * 60_000) / (plan.length + 1);
    const windows: FaultWindow[] = [];
    const clock = () => `${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s`;
    for (const [i, fault] of plan.entries()) {
      const due = began + (i + 1) * spacingMs;
      if (Date.now() < due) await sleep(due - Date.now());
      windows.push(await applyFault(ctx, services, fault, (line) => say(`${clock()}  ${line}`)));
    }
    const end = began + minutes * 60_000;
    if (Date.now() < end) await sleep(end - Date.now());
    say(`${clock()}  load stopping; waiting for the requests in hand`);
    await load.stop();

    say('waiting for every store worker group to catch up');
    await storesCaughtUp(ctx, storeWorkers, say);
    // VictoriaLogs makes what it accepted searchable about a second later.
    await sleep(2_000);

    const counts: StoreCount[] = [
      await countPostgres(required(env, 'PRIMOART_PG_URL'), load.results),
      await countMinio(
        {
          url: required(env, 'PRIMOART_MINIO_URL'),
          accessKey: required(env, 'PRIMOART_MINIO_ACCESS_KEY'),
          secretKey: required(env, 'PRIMOART_MINIO_SECRET_KEY'),
          bucket: 'primoart-artifacts',
        },
        load.results,
      ),
      await countVictoriaMetrics(required(env, 'PRIMOART_VM_URL'), session, load.results.length),
    ];
    // Entries of each kind this run sent, each by the key the load made unique.
    const entries = [
      ['robot.run', 'result_id', 'robot runs', load.results.length],
      ['otel.span', 'span_id', 'OTLP spans', load.spanIds.length],
      ['otel.log', '"attributes.chaos.seq"', 'OTLP log records', load.logSeqs.length],
    ] as const;
    for (const [kind, key, what, accepted] of entries) {
      const filter = `kind:="${kind}" service:="${session}"`;
      counts.push(
        await countVictoriaLogs(
          required(env, 'PRIMOART_VL_URL'),
          filter,
          key,
          `${what} (entries by entry_id)`,
          accepted,
          kind === 'robot.run' ? new Set() : load.resentIds,
        ),
      );
    }
    process.stdout.write(`\nchaos run ${session} (seed ${seed}): ${(Date.now() - began) / 1000} s\n\n`);
    process.stdout.write(formatCounts(counts));
    process.stdout.write(`\n${formatAnswers(windows, load.answers)}`);
    const badWindows = windows.filter(
      (w) => w.fault.no503 && answersIn(load.answers, w).some((answer) => answer.status === 503),
    );
    for (const refused of load.refused.slice(0, 10)) say(`refused: ${refused}`);
    for (const line of missingLines(counts, load.results, windows, began)) say(line);
    const failed =
      counts.some((count) => count.missing > 0 || count.duplicated > 0) ||
      badWindows.length > 0 ||
      load.refused.length > 0;
    process.stdout.write(
      failed
        ? `\nFAILED: ${[
            ...counts.filter((c) => c.missing > 0 || c.duplicated > 0).map((c) => `${c.store} ${c.what}`),
            ...badWindows.map((w) => `503 during ${w.fault.label}`),
            ...(load.refused.length > 0 ? [`${load.refused.length} request(s) refused`] : []),
          ].join('; ')}\n`
        : '\nnothing missing, nothing duplicated, no 503 while a broker was down\n',
    );
    return failed ? 1 : 0;
  }
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (value === undefined) throw new Error(`chaos: the stack gives no ${name}`);
  return value;
}

/** Until each of these workers' groups has no lag on any topic it reads (10 min at most). */
export async function storesCaughtUp(
  ctx: StackContext,
  workers: readonly (keyof typeof workerBusAccess)[],
  say: (line: string) => void,
): Promise<void> {
  const connection = connectKafka(
    {
      brokers: kafkaBrokerList(ctx),
      clientId: 'primoart-chaos',
      connectTimeoutMs: 3_000,
      requestTimeoutMs: 30_000,
      sasl: kafkaCredentials(ctx, kafkaAdminIdentity),
    },
    createLogger({ component: 'primoart-chaos', level: 'warn' }),
  );
  const admin = await connection.admin();
  try {
    const deadline = Date.now() + 10 * 60_000;
    let lastReport = 0;
    for (;;) {
      let lag = 0;
      try {
        for (const worker of workers) {
          for (const topic of workerBusAccess[worker].reads) {
            for (const row of await groupLag(admin, `primoart.${worker}`, topic)) lag += row.lag;
          }
        }
      } catch (error) {
        // Right after a broker's return its partitions move back to it, and a metadata answer
        // can be stale for a moment ("not the leader"): asked again, as the workers do.
        if (Date.now() > deadline) throw error;
        say(`the lag could not be read (${(error as Error).message}); asking again`);
        await sleep(1_000);
        continue;
      }
      if (lag === 0) return;
      if (Date.now() > deadline)
        throw new Error(`chaos: the store workers still lag by ${lag} records after 10 min`);
      if (Date.now() - lastReport > 10_000) {
        say(`${lag} record(s) still to be stored`);
        lastReport = Date.now();
      }
      await sleep(1_000);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * The first results missing from each store that names them, with when the gateway accepted each
 * and the fault around that moment: where a failed run's search starts (the stack's logs then).
 */
export function missingLines(
  counts: readonly StoreCount[],
  results: readonly AcceptedResult[],
  windows: readonly FaultWindow[],
  began: number,
): string[] {
  const byId = new Map(results.map((r) => [r.resultId, r]));
  return counts.flatMap((count) =>
    (count.missingResults ?? []).slice(0, 5).map((id) => {
      const result = byId.get(id);
      if (result === undefined) return `missing from ${count.store}: result ${id}`;
      const during = windows.find((w) => result.acceptedAt >= w.from && result.acceptedAt <= w.to);
      return (
        `missing from ${count.store}: result ${id} of robot ${result.robotId}, accepted at ` +
        `${((result.acceptedAt - began) / 1000).toFixed(1)} s (${during === undefined ? 'between faults' : `during ${during.fault.label}`})`
      );
    }),
  );
}

const answersIn = (answers: readonly Answer[], window: FaultWindow) =>
  answers.filter((answer) => answer.at >= window.from && answer.at <= window.to);

export function formatCounts(counts: readonly StoreCount[]): string {
  return table([
    ['STORE', 'WHAT', 'ACCEPTED', 'STORED', 'MISSING', 'DUPLICATED', 'NOTE'],
    ...counts.map((c) => [
      c.store,
      c.what,
      String(c.accepted),
      String(c.stored),
      String(c.missing),
      String(c.duplicated),
      c.note ?? '',
    ]),
  ]);
}

export function formatAnswers(windows: readonly FaultWindow[], answers: readonly Answer[]): string {
  const row = (label: string, seconds: string, list: readonly Answer[]) => [
    label,
    seconds,
    String(list.filter((a) => a.status >= 200 && a.status < 300).length),
    String(list.filter((a) => a.status === 503).length),
    String(list.filter((a) => a.status >= 500 && a.status !== 503).length),
    String(list.filter((a) => a.status === 0).length),
    String(list.filter((a) => a.status >= 400 && a.status < 500).length),
  ];
  return table([
    ['GATEWAY ANSWERS DURING', 'SECONDS', '2XX', '503', 'OTHER 5XX', 'NO ANSWER', '4XX'],
    ...windows.map((w) => row(w.fault.label, ((w.to - w.from) / 1000).toFixed(1), answersIn(answers, w))),
    row('the whole run', '', answers),
  ]);
}
