// Options shared by `up`, `down`, `status` and `env`.

export interface StackCommandOptions {
  stateDir?: string;
  /** Service names given with --only, in the order given. */
  only?: string[];
  /**
   * `up --infra-only`: start the backing services and prepare PrimoART's own processes (config,
   * topics, schemas) without launching them, for whoever runs those itself (the test suite, a
   * debugger).
   */
  infraOnly?: boolean;
  /** `up --kafka-brokers N`: the stack's Kafka cluster size, kept in the state directory. */
  kafkaBrokers?: number;
  /** `up --scale <worker>=N` (repeatable, or comma-separated): instances kept in the state directory. */
  scale?: Record<string, number>;
  /** `up --port-offset N`: every port moved by N, kept in the state directory. */
  portOffset?: number;
}

export class UsageError extends Error {}

export function parseStackOptions(
  args: string[],
  allowOnly: boolean,
  allowInfraOnly = false,
  allowLayout = false,
): StackCommandOptions {
  const options: StackCommandOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg) : [arg, undefined];
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--state-dir') options.stateDir = value();
    else if (flag === '--infra-only' && allowInfraOnly && inline === undefined) options.infraOnly = true;
    else if (flag === '--kafka-brokers' && allowLayout) options.kafkaBrokers = count(flag, value());
    else if (flag === '--port-offset' && allowLayout) options.portOffset = count(flag, value());
    else if (flag === '--scale' && allowLayout) {
      for (const item of value().split(',')) {
        const [worker, instances] = item.includes('=') ? splitOnce(item.trim()) : [item, ''];
        if (worker === '' || instances === '')
          throw new UsageError(`--scale takes <worker>=<instances>, e.g. synth-store=3; got '${item}'`);
        options.scale = { ...options.scale, [worker]: count(`--scale ${worker}`, instances) };
      }
    } else if (flag === '--only' && allowOnly) {
      const names = value()
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      if (names.length === 0) throw new UsageError('--only needs at least one service name');
      options.only = [...(options.only ?? []), ...names];
    } else throw new UsageError(`unknown option '${arg}'`);
  }
  return options;
}

function count(flag: string, text: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value))
    throw new UsageError(`${flag} needs a whole number, got '${text}'`);
  return value;
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf('=');
  return [arg.slice(0, at), arg.slice(at + 1)];
}
