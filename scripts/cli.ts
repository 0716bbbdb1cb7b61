// The operator CLI: `scripts/primoart <command>`. Each command lives in its own module and is
// imported only when used, so `primoart status` does not load Kafka or Express.

interface Command {
  summary: string;
  usage: string;
  /** Reads primoart.yml: every component's section is registered first (scripts/components.ts). */
  readsConfig?: boolean;
  run(args: string[]): Promise<number>;
}

/** Hands every component's config schema to core's loader: core imports no component itself. */
async function registerComponents(): Promise<void> {
  const [{ componentConfigs }, core] = await Promise.all([
    import('./components.ts'),
    import('../core/config.ts'),
  ]);
  core.registerComponents(componentConfigs);
}

const commands: Record<string, Command> = {
  up: {
    summary: 'install what is missing and start the whole local stack',
    usage:
      'primoart up [--state-dir DIR] [--only svc,svc] [--infra-only] [--kafka-brokers N] [--scale W=N,…] [--port-offset N]\n\n' +
      '  --state-dir DIR     where config, secrets, data and logs live (default: $PRIMOART_STATE_DIR, else /var/lib/primoart as root, else ~/.local/state/primoart)\n' +
      '  --only svc,svc      these services and what they depend on (a scaled worker: all its instances)\n' +
      '  --infra-only        start the backing services; prepare the gateway, console and workers\n' +
      '                      (config, topics, schemas) without starting them, to run them yourself\n' +
      '  --kafka-brokers N   1 (default), 3 or 5 KRaft nodes, every topic replicated min(3, N) times;\n' +
      "                      fixed once the state directory's Kafka is formatted\n" +
      '  --scale W=N,…       N instances (1–6) of synth-store, artifact-store, logs-store or metrics-store;\n' +
      '                      scaling down stops the extra instances\n' +
      '  --port-offset N     every port + N, for a second stack beside the default one\n' +
      '  The last three are kept in <state dir>/stack.json: a later up, down or status uses them.',
    run: async (args) => (await import('../infra/stack/commands.ts')).upCommand(args),
  },
  down: {
    summary: 'stop the local stack (data is kept)',
    usage: 'primoart down [--state-dir DIR] [--only svc,svc]',
    run: async (args) => (await import('../infra/stack/commands.ts')).downCommand(args),
  },
  status: {
    summary:
      'show every service of the local stack with its health, the Kafka cluster and each worker instance',
    usage: 'primoart status [--state-dir DIR]',
    run: async (args) => (await import('../infra/stack/commands.ts')).statusCommand(args),
  },
  env: {
    summary: 'print export lines for the running stack: eval "$(scripts/primoart env)"',
    usage: 'primoart env [--state-dir DIR]',
    run: async (args) => (await import('../infra/stack/commands.ts')).envCommand(args),
  },
  test: {
    summary: 'install what is missing, start what the tests need, run lint, type-check and every test',
    usage: 'primoart test [--unit-only] [--concurrency N] [--state-dir DIR] [TEST_FILE...]',
    run: async (args) => (await import('./test-command.ts')).testCommand(args),
  },
  'browser install': {
    summary: "install Debian's chromium for the browser tests (as root; `primoart test` does it too)",
    usage:
      'primoart browser install\n\n' +
      '  apt-get installs chromium and fonts-dejavu-core; nothing to do when /usr/bin/chromium\n' +
      '  (or $PRIMOART_CHROMIUM) is there. Prints the binary and its version.',
    run: async (args) => (await import('../infra/stack/chromium.ts')).browserInstallCommand(args),
  },
  'check config': {
    summary: 'validate a config file and exit (non-zero with every problem listed)',
    usage: 'primoart check config [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../core/config.ts')).checkConfigCommand(args),
  },
  gateway: {
    summary: 'run the ingest gateway (what a systemd unit calls)',
    usage: 'primoart gateway [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../ingest-gateway/main.ts')).runGateway(args),
  },
  console: {
    summary: 'run the console: the read API over the stores (what a systemd unit calls)',
    usage: 'primoart console [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../console/main.ts')).runConsole(args),
  },
  worker: {
    summary: 'run a worker by name (synth-store, baseline, …); more instances: `primoart up --scale`',
    usage:
      'primoart worker <name>[:<n>] [--instance N | --group-id G] [--config.file F]\n' +
      '  --instance N   run instance N (1–6) of a store worker beside the others on this host: instance 1\n' +
      '                 on its configured listen address, instance N on port 18200 + 10·w + N of the same\n' +
      "                 host (w: the worker's place in the list); <name>:<n> is the same, the form\n" +
      '                 systemd instances take (primoart-worker@synth-store:2.service)\n' +
      '  --group-id G   a one-off run on consumer group G instead of its own (what `replay --to-group`\n' +
      '                 starts): on a free port, without Alerta heartbeats',
    readsConfig: true,
    run: async ([named, ...args]) => {
      const [{ workers }, { projectProcesses }, { takeInstanceArg }] = await Promise.all([
        import('./components.ts'),
        import('../infra/stack/services/process-list.ts'),
        import('../workers/instances.ts'),
      ]);
      const [name, suffix] = (named ?? '').split(':');
      const worker = name === undefined ? undefined : workers[name];
      if (worker === undefined) throw new Error(`worker needs a name: ${Object.keys(workers).join(', ')}`);
      if (args.some((arg) => arg === '--instances' || arg.startsWith('--instances=')))
        throw new Error(
          'worker --instances is gone: on the local stack, `primoart up --scale <worker>=N`; elsewhere, ' +
            '`primoart worker <name> --instance N` per instance (README.md "Scaling")',
        );
      const withInstance = suffix === undefined ? args : [...args, '--instance', suffix];
      // A worker with a local state file keeps its state in one process: two would split it.
      if (
        takeInstanceArg(withInstance).instance > 1 &&
        projectProcesses.find((process) => process.name === name)?.stateFile !== undefined
      )
        throw new Error(`${name} runs as one instance: its state is a local file (${name}'s state_file)`);
      return worker.run(withInstance);
    },
  },
  'deployments generate': {
    summary: 'write the compose services, container config and systemd units from the process list',
    usage: 'primoart deployments generate [--check]',
    run: async (args) => (await import('../infra/deployments/generate.ts')).deploymentsGenerateCommand(args),
  },
  'topics apply': {
    summary: "create or alter topics to match the catalog, and the processes' ACLs (idempotent)",
    usage: 'primoart topics apply [--config.file F]',
    readsConfig: true,
    run: async (args) => {
      const [{ topicsApplyCommand }, { processBusAccess, workerNames }] = await Promise.all([
        import('../topics/commands.ts'),
        import('./bus-access.ts'),
      ]);
      return topicsApplyCommand(args, processBusAccess, workerNames);
    },
  },
  'schemas register': {
    summary: 'register the working-copy schemas (subjects <topic>-value, BACKWARD_TRANSITIVE)',
    usage: 'primoart schemas register [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../topics/commands.ts')).schemasRegisterCommand(args),
  },
  'schemas check': {
    summary: 'check the working-copy schemas against the registered versions',
    usage: 'primoart schemas check [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../topics/commands.ts')).schemasCheckCommand(args),
  },
  'keys create': {
    summary: 'create an API key; prints the key once (only its hash is kept)',
    usage:
      'primoart keys create --scope results:write|otlp:write|definitions:read|read|admin[,…] [--robot-id UUID] [--name N] [--rate-limit RECORDS_PER_S] [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../ingest-gateway/key-commands.ts')).keysCreateCommand(args),
  },
  'keys list': {
    summary: 'list API keys: id, name, scopes, robot, created, last used, revoked, rate limit',
    usage: 'primoart keys list [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../ingest-gateway/key-commands.ts')).keysListCommand(args),
  },
  'keys revoke': {
    summary: 'revoke an API key by id (idempotent); gateways and consoles refuse it within 10 s',
    usage: 'primoart keys revoke <id> [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../ingest-gateway/key-commands.ts')).keysRevokeCommand(args),
  },
  lag: {
    summary: 'consumer lag per group and partition, or live per group and topic (--watch)',
    usage:
      'primoart lag [--group G] [--watch [--interval S]] [--config.file F]\n\n' +
      '  Without --watch: one table, GROUP TOPIC PARTITION COMMITTED END LAG, tab-separated.\n' +
      '  --group G      only this consumer group\n' +
      "  --watch        every group's lag per topic (its partitions added up) every interval, until\n" +
      '                 Ctrl-C: on a terminal a screen redrawn in place with the RATE the lag changes at\n' +
      '                 (records/s over the last 5 s, negative: catching up) and, while it falls, the ETA\n' +
      '                 to zero; into a file or a pipe, no escapes: a header, then a line per group and\n' +
      '                 topic per interval, TIME GROUP TOPIC LAG RATE, tab-separated (like vmstat -t).\n' +
      '                 Groups are looked for again every 10 s, so new ones appear.\n' +
      '  --interval S   seconds between samples with --watch, 0.1 or more (default 1)',
    readsConfig: true,
    run: async (args) => (await import('../topics/commands.ts')).lagCommand(args),
  },
  replay: {
    summary: 'reprocess a group from a time, an offset or the start, and watch it catch up',
    usage:
      'primoart replay --group G --from <RFC3339 time|earliest|latest|offset> [--topic T]… [--dry-run]\n' +
      '                [--to-group NEW [--force]] [--timeout D] [--alertmanager URL] [--state-dir DIR]\n' +
      '                [--config.file F]\n\n' +
      '  --group G        the consumer group to replay; when it is the group of a worker the local stack\n' +
      '                   runs, its instances are stopped, the offsets moved, the instances started again,\n' +
      '                   and the group watched until it caught up (members elsewhere are named: stop them)\n' +
      '  --from X         an RFC 3339 time (the first record at or after it), earliest, latest, or an offset\n' +
      "                   for every partition (clamped to each partition's records)\n" +
      '  --topic T        only this topic (repeatable); default: every topic the group has committed on\n' +
      '                   (with --to-group, NEW starts at the end of the others)\n' +
      '  --dry-run        change nothing: per partition the offset now, where it would move, the records\n' +
      "  --to-group NEW   leave G as it is: set NEW to X and run one instance of G's worker on NEW\n" +
      '                   (`worker <name> --group-id NEW`, with F: point it at another store) until NEW\n' +
      '                   reached the end, then stop it; store workers only\n' +
      '  --force          with --to-group: NEW has committed offsets already; move them anyway\n' +
      "  --timeout D      give up after D (90s, 30m, 2h; default 2h), exit 1: the stack's workers go on,\n" +
      '                   a --to-group run is stopped\n' +
      "  --state-dir DIR  the local stack's state directory (default: as `primoart env`)\n" +
      "  --alertmanager URL  silence the worker's ConsumerLagHigh and DeadLettersIncreasing there while it\n" +
      "                   catches up, and 10 min after (default: the local stack's Alertmanager, when it runs)\n" +
      '  Progress (records left, rate, ETA) on a terminal; otherwise one summary line ending in the count.',
    readsConfig: true,
    run: async (args) => (await import('./replay/command.ts')).replayCommand(args),
  },
  'dlq list': {
    summary: 'the dead letters of every worker: when, worker, group, origin, key, error, replayed',
    usage:
      'primoart dlq list [--worker W] [--group G] [--since T] [--limit N] [--json] [--config.file F]\n' +
      '  --worker W   only those worker W dead-lettered\n' +
      '  --group G    only those consumer group G dead-lettered (a worker on a group of its own)\n' +
      '  --since T    dead-lettered at or after T: RFC 3339, or a duration back from now (30m, 6h, 7d)\n' +
      '  --limit N    the newest N (default 50), oldest first\n' +
      '  --json       as a JSON array instead of a table',
    readsConfig: true,
    run: async (args) => (await import('../topics/dlq-commands.ts')).dlqListCommand(args),
  },
  'dlq show': {
    summary: 'one dead letter: its headers, and its value decoded (Avro through the registry, else hex)',
    usage: 'primoart dlq show <partition:offset> [--config.file F]   (the REF column of `dlq list`)',
    readsConfig: true,
    run: async (args) => (await import('../topics/dlq-commands.ts')).dlqShowCommand(args),
  },
  'dlq replay': {
    summary: 'send dead letters back to their origin topic for the group that dead-lettered them',
    usage:
      'primoart dlq replay (--worker W | --group G | --since T | --ref P:O… | --all) [--dry-run] [--wait S] [--config.file F]\n' +
      '  Fix the cause first (a constraint, a bug, a store). Each selected dead letter goes back to its\n' +
      '  origin topic with its key, value and headers, for the group that dead-lettered it only (every\n' +
      '  other group passes over it); what went back is recorded, so a second replay skips it.\n' +
      '  --worker, --group, --since   select as `dlq list` does (of those not yet replayed)\n' +
      '  --all        every dead letter not yet replayed\n' +
      '  Never sent back: letters from a topic their worker does not read, and from compacted topics\n' +
      "  (keyed state: a copy would win over the key's newer records; publish its current value).\n" +
      '  --ref P:O    only this dead letter (repeatable)\n' +
      '  --dry-run    print what would go back, send nothing\n' +
      '  --wait S     wait up to S seconds (default 60) for the groups to process them, then report how\n' +
      '               many were processed and how many were dead-lettered again (exit 1 if any, or any left)',
    readsConfig: true,
    run: async (args) => {
      const [{ dlqReplayCommand }, { groupIdOf }, { workerBusAccess }] = await Promise.all([
        import('../topics/dlq-commands.ts'),
        import('../workers/harness.ts'),
        import('../workers/bus-access.ts'),
      ]);
      return dlqReplayCommand(args, {
        groupOf: (config, worker) =>
          groupIdOf(worker, config.workers[worker] as { group_id?: string } | undefined),
        readsOf: (worker) => (workerBusAccess as Record<string, { reads: readonly string[] }>)[worker]?.reads,
      });
    },
  },
  chaos: {
    summary:
      'load a 3-broker stack while brokers, workers, stores and the gateway fail; count what every store holds',
    usage:
      'primoart chaos [--state-dir DIR] [--minutes N] [--outage-seconds S] [--worker-kills N] [--broker-kills N]\n' +
      '               [--robots N] [--interval-ms MS] [--seed N]\n\n' +
      '  Needs a stack started with --kafka-brokers 3 and every store worker scaled to 2 or more:\n' +
      '    scripts/primoart up --kafka-brokers 3 --scale synth-store=2,artifact-store=2,logs-store=2,metrics-store=2\n\n' +
      '  --minutes N          how long the load runs; the faults are spread over it (default 10)\n' +
      '  --outage-seconds S   how long a broker or a store stays down (default 30)\n' +
      '  --worker-kills N     worker instances SIGKILLed, a random one each time (default 10)\n' +
      '  --broker-kills N     brokers SIGKILLed and brought back, different ones (default 2)\n' +
      '  --robots N           robots uploading, each one run per interval (default 8)\n' +
      "  --interval-ms MS     pause between one robot's runs and between OTLP requests (default 500)\n" +
      '  --seed N             which instances are killed, and which brokers (default: random)',
    run: async (args) => (await import('./chaos/command.ts')).chaosCommand(args),
  },
  'fleet generate': {
    summary: 'write a simulated robot fleet as NDJSON (options: node scripts/fleet/generate.ts --help)',
    usage: 'primoart fleet generate [--seed N] [--weeks N] [--transactions N] [--scenarios] [--out FILE] …',
    run: async (args) => (await import('./fleet/generate.ts')).generateCommand(args),
  },
  'fleet upload': {
    summary: 'upload a simulated fleet to the gateway (options: node scripts/fleet/upload.ts --help)',
    usage:
      'primoart fleet upload [generator options | --from-file FILE] [--gateway URL] [--api-key KEY] [--batch N] [--concurrency N]',
    run: async (args) => (await import('./fleet/upload.ts')).uploadCommand(args),
  },
};

function printHelp(): void {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  process.stdout.write(
    `usage: primoart <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
      `Run 'primoart <command> --help' for a command's options.\n`,
  );
}

async function main(argv: string[]): Promise<number> {
  // Two-word commands first: `check config`, `topics apply`, `schemas register`.
  const twoWord = argv.length >= 2 ? `${argv[0]} ${argv[1]}` : '';
  const [name, ...rest] = commands[twoWord] ? [twoWord, ...argv.slice(2)] : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printHelp();
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`primoart: unknown command '${name}'\n`);
    printHelp();
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  if (command.readsConfig === true) await registerComponents();
  return command.run(rest);
}

// `primoart keys list | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`primoart: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
