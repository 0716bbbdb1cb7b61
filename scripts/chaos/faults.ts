// The chaos run's faults, done to the local stack with its own runner (infra/stack/runner.ts): a
// process SIGKILLed and started again as `primoart up` starts it, a backing service stopped as
// `primoart down --only` stops it and started again. Each fault is a window of time, so the load's
// answers can be counted per fault afterwards.
import { setTimeout as sleep } from 'node:timers/promises';
import { readPidFile } from '../../infra/stack/pid-file.ts';
import { startServices, stopServices } from '../../infra/stack/runner.ts';
import type { ServiceDefinition, StackContext } from '../../infra/stack/service.ts';
import { stateLayout } from '../../infra/stack/stack-paths.ts';

export interface Fault {
  /** What `status` calls the service. */
  service: string;
  action: 'kill' | 'stop';
  /** How long it stays down before it is started again. */
  downMs: number;
  /** What the table calls this fault. */
  label: string;
  /** Whether the gateway must answer no 503 meanwhile (one broker of three down). */
  no503: boolean;
}

export interface FaultWindow {
  fault: Fault;
  from: number;
  /** When the service was ready again. */
  to: number;
}

export interface FaultPlanOptions {
  brokers: string[];
  /** Every instance of every scaled store worker. */
  workerInstances: string[];
  stores: string[];
  outageMs: number;
  workerKills: number;
  brokerKills: number;
  random: () => number;
}

/**
 * The faults in the order they happen: a broker, the worker instances (a random one each time),
 * the gateway mid-request, each store, another broker.
 */
export function faultPlan(options: FaultPlanOptions): Fault[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(options.random() * list.length)] as T;
  const brokers = [...options.brokers].sort(() => options.random() - 0.5);
  const brokerKill = (i: number): Fault => {
    const broker = brokers[i % brokers.length] as string;
    return {
      service: broker,
      action: 'kill',
      downMs: options.outageMs,
      label: `SIGKILL ${broker}`,
      no503: true,
    };
  };
  const workerKills = Array.from({ length: options.workerKills }, (): Fault => {
    const instance = pick(options.workerInstances);
    return { service: instance, action: 'kill', downMs: 5_000, label: `SIGKILL ${instance}`, no503: false };
  });
  const storeStops = options.stores.map(
    (store): Fault => ({
      service: store,
      action: 'stop',
      downMs: options.outageMs,
      label: `stop ${store}`,
      no503: false,
    }),
  );
  const laterBrokers = Array.from({ length: Math.max(0, options.brokerKills - 1) }, (_, i) =>
    brokerKill(i + 1),
  );
  // The gateway before the stores: its restart registers the schemas, and after PostgreSQL's
  // restart Apicurio answered 500 ("terminating connection due to administrator command") for
  // longer than three restart attempts in 2 of 4 short runs, its pooled connections dying one by one.
  return [
    ...(options.brokerKills > 0 ? [brokerKill(0)] : []),
    ...workerKills,
    { service: 'gateway', action: 'kill', downMs: 0, label: 'SIGKILL gateway mid-request', no503: false },
    ...storeStops,
    ...laterBrokers,
  ];
}

/** Do one fault: down, wait, up again (ready); returns its window. */
export async function applyFault(
  ctx: StackContext,
  services: readonly ServiceDefinition[],
  fault: Fault,
  say: (line: string) => void,
): Promise<FaultWindow> {
  const service = services.find((s) => s.name === fault.service);
  if (service === undefined) throw new Error(`chaos: no service ${fault.service} in this stack`);
  const from = Date.now();
  if (fault.action === 'kill') {
    const record = readPidFile(stateLayout.pidFile(ctx.paths, service.name));
    if (record === undefined) throw new Error(`chaos: ${service.name} is not running`);
    process.kill(record.pid, 'SIGKILL');
    say(`SIGKILL ${service.name} (pid ${record.pid})`);
  } else {
    await stopServices(quiet(ctx), [service]);
    say(`stopped ${service.name}`);
  }
  await sleep(fault.downMs);
  // Started again as a supervisor would (systemd's Restart=on-failure): a start that fails (a
  // dependency still recovering from the previous fault) is tried again, three times at most.
  for (let attempt = 1; ; attempt++) {
    try {
      await startServices(quiet(ctx), [service]);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
      say(`${service.name} did not start (${(error as Error).message.split('\n')[0]}); again in 10 s`);
      await sleep(10_000);
    }
  }
  const to = Date.now();
  say(`${service.name} ready again after ${((to - from) / 1000).toFixed(1)} s`);
  return { fault, from, to };
}

/** The runner's own progress lines would interleave with the chaos run's: the run says what happened. */
const quiet = (ctx: StackContext): StackContext => ({ ...ctx, progress: () => undefined });
