// core: what every PrimoART process shares — the config file, logging, metrics, health endpoints
// and the one start-up/shutdown sequence (modelled on Prometheus under systemd).
//
// A process is one call (the gateway makes it in ingest-gateway/main.ts, a worker through
// `defineWorker`, workers/define-worker.ts):
//
//   import { describeEndpoint, requireSection, runProcess, sectionOf } from '../../core/index.ts';
//
//   await runProcess({
//     name: 'synth-store',
//     listen: (config) => sectionOf(config, synthStoreConfig).listen,  // the component's own section
//     async create(config, context) {
//       const pg = requireSection(config, 'postgres');           // absent → MissingSectionError, exit 1
//       const pool = await context.connect(`postgres at ${describeEndpoint(pg.url)}`, () => openPool(pg));
//       new Counter({ name: 'primoart_rows_written_total', help: '…', registers: [context.metrics] });
//       return {
//         start: async () => { … },                               // begin consuming
//         stop: async () => { … },                                // drain, commit, close
//         // routes: (app) => { app.post('/api/v1/…', handler) }  // the gateway only
//         // isReady: () => consumer.isRunning(),                 // optional; default: ready after start()
//       };
//     },
//   });
//
// The sequence runProcess runs (a failure at any step: one clear line on stderr, exit 1):
//   1. `--config.file F` (default primoart.yml) → loadConfig: every problem as `file:line:col: path: message`.
//   2. create(config, context): the component connects what it needs with `context.connect(name, attempt)`,
//      retried with backoff for startup.dependency_timeout_ms, then "kafka at … unreachable after 30 s: …".
//   3. Bind `listen` (an express app): "cannot listen on 127.0.0.1:18080: address already in use".
//   4. component.start(), then ready: /-/ready 200 (503 before and while stopping), /-/healthy 200,
//      /metrics (the process's own prom-client Registry with default process metrics), and READY=1
//      to systemd. Component routes answer 503 + Retry-After until ready and once stopping.
//   5. SIGTERM/SIGINT, or context.fail(error): /-/ready 503, wait for in-flight component requests,
//      component.stop(), close the HTTP server, exit 0 (1 after fail). All of it bounded by
//      startup.shutdown_timeout_ms; a timeout or a second signal exits 1 naming the step that hung.
//
// systemd unit (Node cannot send the notify datagram itself; it runs `systemd-notify`, a child):
//   [Service]
//   Type=notify
//   NotifyAccess=all
//   ExecStart=/usr/bin/node /opt/primoart/scripts/cli.ts worker synth-store --config.file /etc/primoart/primoart.yml
//   TimeoutStopSec=30      # longer than startup.shutdown_timeout_ms
//
// Config: core states the shared sections (kafka, schema_registry, the stores, alerta, log,
// startup); each component owns its section's schema and defaults (`ConfigOwner`: the gateway's in
// ingest-gateway/config.ts, a worker's in workers/<name>/config.ts) and the entry point registers
// them (`registerComponents`, from scripts/components.ts), so a section or key no owner states is a
// reported problem. `primoart.example.yml` at the repository root documents every key. String values may use
// `${ENV_VAR}` (an unset variable is a reported problem; `$${` is a literal `${`), so secrets can
// stay out of the file. `primoart check config [--config.file F]` is checkConfigCommand.

export type { ConfigArgs, ConfigProblem, LoadConfigOptions } from './config.ts';
export {
  ConfigError,
  checkConfigCommand,
  defaultConfigFile,
  formatProblem,
  loadConfig,
  MissingSectionError,
  parseConfig,
  parseConfigArgs,
  registerComponents,
  requireSection,
  sectionOf,
  workerSection,
} from './config.ts';
export type {
  AlertaConfig,
  ConfigOwner,
  KafkaConfig,
  LogLevel,
  MinioConfig,
  PostgresConfig,
  PrimoartConfig,
  ProcessSection,
  SharedConfig,
} from './config-schema.ts';
export {
  configSchemaFor,
  hostPort,
  httpUrl,
  logLevels,
  parseHostPort,
  positiveInt,
  sharedConfigSchema,
} from './config-schema.ts';
export type { ConnectOptions } from './dependencies.ts';
export {
  connectWithRetry,
  DependencyUnavailableError,
  describeError,
  formatSeconds,
  StartupAbortedError,
} from './dependencies.ts';
export { boundAddress, closeServer, createProcessApp, ListenError, listen } from './http-server.ts';
export type { Logger, LoggerOptions } from './logging.ts';
export { createLogger, describeEndpoint } from './logging.ts';
export type { Registry } from './metrics.ts';
export { createMetricsRegistry } from './metrics.ts';
export type { Component, ProcessContext, ProcessDefinition } from './process.ts';
export { runProcess } from './process.ts';
export { notifySystemd } from './systemd.ts';
