// The operator CLI: `scripts/primoart <command>`. Each command lives in its own module and is
// imported only when used, so `primoart status` does not load Kafka or Express.

interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  up: {
    summary: 'install what is missing and start the whole local stack',
    usage: 'primoart up [--state-dir DIR] [--only svc,svc]',
    run: async (args) => (await import('../infra/stack/commands.ts')).upCommand(args),
  },
  down: {
    summary: 'stop the local stack (data is kept)',
    usage: 'primoart down [--state-dir DIR]',
    run: async (args) => (await import('../infra/stack/commands.ts')).downCommand(args),
  },
  status: {
    summary: 'show every service and process of the local stack with its health',
    usage: 'primoart status [--state-dir DIR]',
    run: async (args) => (await import('../infra/stack/commands.ts')).statusCommand(args),
  },
  env: {
    summary: "print export lines for the running stack: eval \"$(scripts/primoart env)\"",
    usage: 'primoart env [--state-dir DIR]',
    run: async (args) => (await import('../infra/stack/commands.ts')).envCommand(args),
  },
};

export function registerCommand(name: string, command: Command): void {
  commands[name] = command;
}

function printHelp(): void {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  process.stdout.write(
    `usage: primoart <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
      `Run 'primoart <command> --help' for a command's options.\n`,
  );
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`primoart: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
