// Several instances of one worker on one host, on one consumer group: `primoart worker synth-store
// --instance 2` (systemd: primoart-worker@synth-store:2.service). Instance 1 listens where its
// section says; instance n (from 2) on the same host at `instancePortBase + 10·w + n`, w the worker's
// place in the bus's list, a range no other process of the project uses, so two instances never
// race for one port. The local stack's `up --scale` uses the same ranges (infra/stack/ports.ts).
import { parseHostPort } from '../core/config-schema.ts';
import { workerNames } from './bus-access.ts';

/** Beyond the widest input topic's partition count an instance gets nothing to do. */
export const maxInstances = 6;
/** Where the extra instances' ports begin (the local stack moves it with `--port-offset`). */
export const instancePortBase = 18200;

/** Instance `index` (from 2) of the `slot`-th worker, above `base`. */
export const instancePortFrom = (base: number, slot: number, index: number): number =>
  base + 10 * slot + index;

/** The address instance `instance` of `worker` serves on, given its section's `listen`. */
export function instanceListen(listen: string, worker: string, instance: number): string {
  if (instance === 1) return listen;
  const slot = (workerNames as readonly string[]).indexOf(worker);
  const address = parseHostPort(listen);
  if (slot < 0 || address === undefined) throw new Error(`no instance address for ${worker} at ${listen}`);
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${instancePortFrom(instancePortBase, slot, instance)}`;
}

/**
 * Takes every `--name V` / `--name=V` out of `args`: the values given (each checked by `check`,
 * which returns the parsed value or throws naming the option) and the rest, for the process frame,
 * which understands only `--config.file`.
 */
function takeOption<T>(
  args: readonly string[],
  name: string,
  check: (value: string | undefined) => T,
): { values: T[]; rest: string[] } {
  const rest: string[] = [];
  const values: T[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === `--${name}`) values.push(check(args[++i]));
    else if (arg.startsWith(`--${name}=`)) values.push(check(arg.slice(name.length + 3)));
    else rest.push(arg);
  }
  return { values, rest };
}

/** Takes `--instance N` (1–maxInstances) out of a worker's arguments. */
export function takeInstanceArg(args: readonly string[]): { instance: number; rest: string[] } {
  const { values, rest } = takeOption(args, 'instance', (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > maxInstances)
      throw new Error(`--instance: expected 1–${maxInstances}, got ${value ?? 'nothing'}`);
    return n;
  });
  return { instance: values.at(-1) ?? 1, rest };
}

/**
 * Takes `--group-id G` out of a worker's arguments: this run consumes on group G instead of its
 * section's (`primoart replay --to-group` fills a fresh group, e.g. for a new store, without
 * touching the live one). Such a one-off run is no instance of the deployment: it listens on a free
 * port (port 0, on its section's host), so it never races a live instance for its port.
 */
export function takeGroupIdArg(args: readonly string[]): { groupId: string | undefined; rest: string[] } {
  const { values, rest } = takeOption(args, 'group-id', (value) => {
    if (value === undefined || value === '' || value.startsWith('--'))
      throw new Error(`--group-id: expected a consumer group id, got ${value || 'nothing'}`);
    return value;
  });
  return { groupId: values.at(-1), rest };
}

/** The address a run on an overridden group serves on: a free port on its section's host. */
export function ephemeralListen(listen: string): string {
  const address = parseHostPort(listen);
  if (address === undefined) throw new Error(`no address to listen on in ${listen}`);
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:0`;
}
