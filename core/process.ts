// The one start-up and shutdown sequence every PrimoART process runs (see core/index.ts):
// config → dependencies → HTTP port → start → ready … signal → not ready → drain → stop → exit.
// Each step that can fail ends the process with one line saying what is wrong; each step that
// can hang during shutdown is bounded by startup.shutdown_timeout_ms and named when it hangs.
import type { Server } from 'node:http';
import type { Application } from 'express';
import { Gauge } from 'prom-client';
import { ConfigError, loadConfig, MissingSectionError, parseConfigArgs } from './config.ts';
import type { PrimoartConfig } from './config-schema.ts';
import { connectWithRetry, formatSeconds } from './dependencies.ts';
import {
  boundAddress,
  closeServer,
  createProcessApp,
  errorResponder,
  listen,
  notFoundResponder,
  WorkGate,
} from './http-server.ts';
import { createLogger, type Logger } from './logging.ts';
import { createMetricsRegistry, type Registry } from './metrics.ts';
import { notifySystemd } from './systemd.ts';

/** What a gateway or worker supplies: the OpenTelemetry Collector lifecycle, in TypeScript. */
export interface Component {
  /** Begin work (subscribe, start consuming). Dependencies are already connected. */
  start(): Promise<void>;
  /** Stop taking work, finish or hand back what is in flight, commit, close connections. */
  stop(): Promise<void>;
  /** Mount HTTP routes (the gateway's API). Called once, before the port is bound. */
  routes?(app: Application): void;
  /** Consulted by /-/ready once started; omit to be ready as soon as start() resolved. */
  isReady?(): boolean;
}

/** What core hands to `create`. */
export interface ProcessContext {
  name: string;
  configFile: string;
  /** The whole validated config, for what every process shares (e.g. the `alerta` section for heartbeats). */
  config: PrimoartConfig;
  logger: Logger;
  /** The process's registry: register component metrics here. */
  metrics: Registry;
  /**
   * connectWithRetry bound to startup.dependency_timeout_ms, this logger and the shutdown signal:
   * `await context.connect('kafka at 127.0.0.1:19092', (signal) => admin.connect())`.
   */
  connect<T>(dependency: string, attempt: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Aborted when shutdown begins (signal, or `fail`). */
  shutdownSignal: AbortSignal;
  /** A component that cannot go on calls this: the process stops cleanly and exits 1. */
  fail(error: Error): void;
}

export interface ProcessDefinition {
  /** The process name: `ingest-gateway`, `synth-store`, … (the `component` of every log line). */
  name: string;
  /** Command-line arguments; default process.argv.slice(2). Only `--config.file` is understood. */
  args?: string[];
  /** The `host:port` to serve on, from this process's section, e.g. `(c) => sectionOf(c, synthStoreConfig).listen`. */
  listen(config: PrimoartConfig): string;
  /** Build the component and connect its dependencies (through `context.connect`). */
  create(config: PrimoartConfig, context: ProcessContext): Component | Promise<Component>;
}

/** Runs the process to its end and exits with its code; never returns. */
export async function runProcess(definition: ProcessDefinition): Promise<never> {
  const code = await runUntilStopped(definition);
  process.exit(code);
}

async function runUntilStopped(definition: ProcessDefinition): Promise<number> {
  const { name } = definition;
  const fatal = (message: string): number => {
    process.stderr.write(`${name}: ${message}\n`);
    return 1;
  };

  // (1) Config: before this nothing is logged as JSON; problems go to stderr as promtool prints them.
  let configFile = '';
  let config: PrimoartConfig;
  let listenAddress: string;
  try {
    const args = parseConfigArgs(definition.args ?? process.argv.slice(2));
    configFile = args.configFile;
    if (args.rest.length > 0)
      return fatal(`unexpected argument ${args.rest[0]} (only --config.file is understood)`);
    config = await loadConfig(configFile);
    listenAddress = definition.listen(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof MissingSectionError) {
      process.stderr.write(`${configFile}: ${error.message}\n`);
      return 1;
    }
    return fatal(error instanceof Error ? error.message : String(error));
  }

  const logger = createLogger({ component: name, level: config.log.level });
  const metrics = createMetricsRegistry();
  const gate = new WorkGate(name);
  const shutdown = new AbortController();
  const shutdownTimeoutMs = config.startup.shutdown_timeout_ms;
  let stage = 'connecting dependencies';
  let started = false;
  let component: Component | undefined;
  let server: Server | undefined;
  let exitCode = 0;

  const isReady = (): boolean =>
    started && !shutdown.signal.aborted && (component?.isReady === undefined || component.isReady());
  new Gauge({
    name: 'primoart_process_ready',
    help: '1 while /-/ready answers 200 (started, not shutting down), else 0.',
    registers: [metrics],
    collect() {
      this.set(isReady() ? 1 : 0);
    },
  });

  // Shutdown is bounded from the moment it begins, whatever stage it begins in.
  let stopRequested: () => void = () => {};
  const stopRequestedPromise = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  let shutdownDeadline: NodeJS.Timeout | undefined;
  const beginShutdown = (reason: string): void => {
    if (shutdown.signal.aborted) return;
    logger.info({ reason, stage }, `shutting down: ${reason}`);
    shutdown.abort(new Error(reason));
    gate.setOpen(false);
    shutdownDeadline = setTimeout(() => {
      const message = `shutdown did not finish within ${formatSeconds(shutdownTimeoutMs)}; still ${stage}`;
      logger.error({ stage }, message);
      process.stderr.write(`${name}: ${message}\n`);
      process.exit(1);
    }, shutdownTimeoutMs);
    stopRequested();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shutdown.signal.aborted) {
      const message = `second ${signal} while ${stage}; exiting without finishing`;
      logger.error({ signal, stage }, message);
      process.stderr.write(`${name}: ${message}\n`);
      process.exit(1);
    }
    beginShutdown(`${signal} received`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const context: ProcessContext = {
    name,
    configFile,
    config,
    logger,
    metrics,
    shutdownSignal: shutdown.signal,
    connect: (dependency, attempt) =>
      connectWithRetry(dependency, attempt, {
        timeoutMs: config.startup.dependency_timeout_ms,
        logger,
        signal: shutdown.signal,
      }),
    fail: (error) => {
      logger.error({ err: error }, `${name} cannot continue: ${error.message}`);
      exitCode = 1;
      beginShutdown(`failure: ${error.message}`);
    },
  };

  try {
    // (2) Dependencies: the component connects them inside create(), through context.connect.
    logger.info({ config_file: configFile }, `starting ${name}`);
    component = await definition.create(config, context);

    // (3) HTTP port. Component routes sit behind the gate: 503 until ready and once stopping.
    stage = 'binding the HTTP port';
    const app = createProcessApp({ name, registry: metrics, isReady });
    if (component.routes !== undefined) {
      app.use(gate.middleware);
      component.routes(app);
    }
    app.use(notFoundResponder);
    app.use(errorResponder(logger));
    if (!shutdown.signal.aborted) {
      server = await listen(app, listenAddress);
      logger.info({ address: boundAddress(server) }, `listening on ${boundAddress(server)}`);
    }

    // (4) Start, then ready.
    if (!shutdown.signal.aborted) {
      stage = 'starting the component';
      await component.start();
    }
    if (!shutdown.signal.aborted) {
      started = true;
      gate.setOpen(true);
      stage = 'running';
      logger.info({ address: server === undefined ? null : boundAddress(server) }, `${name} ready`);
      await notifySystemd('ready', logger);
    }
  } catch (error) {
    if (shutdown.signal.aborted) {
      // Asked to stop while starting: whatever start-up step was cut short is not a failure.
      logger.info(`start-up interrupted: ${error instanceof Error ? error.message : String(error)}`);
    } else {
      exitCode = 1;
      reportStartupFailure(name, configFile, error, stage, logger);
      beginShutdown('start-up failed');
    }
  }

  // (5) Run until a signal or a failure, then stop in order.
  await stopRequestedPromise;
  await notifySystemd('stopping', logger);
  if (server !== undefined && gate.requestsInFlight > 0) {
    stage = `waiting for ${gate.requestsInFlight} in-flight HTTP request(s)`;
    await gate.whenIdle();
  }
  if (component !== undefined) {
    stage = 'in component.stop()';
    try {
      await component.stop();
    } catch (error) {
      logger.error({ err: error }, `stopping ${name} failed: ${(error as Error).message}`);
      exitCode = 1;
    }
  }
  if (server !== undefined) {
    stage = 'closing the HTTP server';
    await closeServer(server);
  }
  clearTimeout(shutdownDeadline);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  logger.info({ exit_code: exitCode }, `${name} stopped`);
  return exitCode;
}

// One line on stderr for the operator, the details in the JSON log.
function reportStartupFailure(
  name: string,
  configFile: string,
  error: unknown,
  stage: string,
  logger: Logger,
): void {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof MissingSectionError) {
    process.stderr.write(`${configFile}: ${message}\n`);
    logger.error({ path: error.path }, `${configFile}: ${message}`);
    return;
  }
  process.stderr.write(`${name}: ${message}\n`);
  logger.error({ err: error, stage }, `start-up failed while ${stage}: ${message}`);
}
