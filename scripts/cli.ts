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
      'primoart worker <name>[:<n>] [--instance N] [--config.file F]\n' +
      '  --instance N   run instance N (1–6) of a store worker beside the others on this host: instance 1\n' +
      '                 on its configured listen address, instance N on port 18200 + 10·w + N of the same\n' +
      "                 host (w: the worker's place in the list); <name>:<n> is the same, the form\n" +
      '                 systemd instances take (primoart-worker@synth-store:2.service)',
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
    summary: 'consumer lag per group and partition',
    usage: 'primoart lag [--group G] [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../topics/commands.ts')).lagCommand(args),
  },
  replay: {
    summary: "move a group's offsets back so it reprocesses (stop the group's workers first)",
    usage: 'primoart replay --group G --from <RFC3339 time|earliest|latest> [--topic T] [--config.file F]',
    readsConfig: true,
    run: async (args) => (await import('../topics/commands.ts')).replayCommand(args),
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
