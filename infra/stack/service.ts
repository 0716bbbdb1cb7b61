// The contract between the local stack runner and each real service it manages.
// A service is data plus a few async steps; the runner owns ordering, processes, pid files,
// logs, readiness waiting and error reporting, once for all services.

export interface StackPaths {
  /** The repository checkout. */
  repoDir: string;
  /** Downloads and builds, shared by every state directory (default ~/.cache/primoart). */
  cacheDir: string;
  /** Data, logs, pid files and generated credentials of one stack (outside the repo by default). */
  stateDir: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Run as this system user (the runner is often root; PostgreSQL refuses to run as root). */
  user?: string;
  timeoutMs?: number;
  /** Text written to the child's standard input. */
  input?: string;
}

export interface StackContext {
  paths: StackPaths;
  ports: import('./ports.ts').StackPorts;
  /** How many Kafka brokers and worker instances this stack runs (<stateDir>/stack.json). */
  layout: import('./layout.ts').StackLayout;
  secrets: import('./secrets.ts').StackSecrets;
  /** One line of progress for the operator (stderr). */
  progress(message: string): void;
  /**
   * Run a command to completion and return its stdout. On a non-zero exit or time-out it
   * throws an Error whose message names the command and carries the tail of its output.
   */
  exec(command: string, args: string[], options?: ExecOptions): Promise<string>;
}

/** How the runner starts the long-running process of a service. */
export interface LaunchSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  user?: string;
}

export interface ServiceDefinition {
  /** Short stable name: used for the log file, pid file and in `status`. */
  name: string;
  /** The pinned version that install() provides. */
  version: string;
  /** Services that must be ready before this one starts. */
  dependsOn?: string[];
  /** Fetch or build into the cache directory; a quick no-op when already there. */
  install(ctx: StackContext): Promise<void>;
  /**
   * The system user the service's process runs as, when not the runner's (PostgreSQL refuses to
   * run as root). The runner then hands it its data directory and a way to reach it.
   */
  systemUser?(): string | undefined;
  /** Prepare the state directory before the first start (format storage, initdb); idempotent. */
  init?(ctx: StackContext): Promise<void>;
  /** The process to run in the background; stdout and stderr go to <stateDir>/logs/<name>.log. */
  launch(ctx: StackContext): LaunchSpec;
  /** One readiness probe against the running service: true when it really serves. */
  probe(ctx: StackContext): Promise<boolean>;
  /** Work after the service is ready (create databases, buckets, API keys); idempotent. */
  afterStart?(ctx: StackContext): Promise<void>;
  /** The `export` variables `primoart env` prints for this service. */
  env(ctx: StackContext): Record<string, string>;
  /** How long to wait for the probe after launching (default 60 s). */
  startTimeoutMs?: number;
  /** The signal that asks the process for a clean, prompt shutdown (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** How long `down` waits after stopSignal before SIGKILL (default 30 s). */
  stopTimeoutMs?: number;
  /**
   * Services next to each other in a stop with the same value here are stopped at once rather than
   * in turn: the nodes of one Kafka quorum, whose last node stopped alone could not finish its
   * controlled shutdown without a quorum and was SIGKILLed after 30 s.
   */
  stopTogether?: string;
  /** Where an operator reaches the service, shown by `status`. */
  url?(ctx: StackContext): string;
}
