// The generated parts of infra/compose.yaml and of the files it mounts: a service per project
// process (process-list.ts) with its command, launch settings, Kafka identity, port, state volume,
// health check and dependencies; the one-shot services that create the Kafka users and apply the
// topics and ACLs; vmalert and Alertmanager with the local stack's flags and route; the secrets and
// volumes every service names. The third-party stores stay hand-written around the regions.
import { basename } from 'node:path';
import { Document, isScalar, isSeq, parse, parseDocument, visit } from 'yaml';
import { type WorkerName, workerNames } from '../../workers/bus-access.ts';
import { kafkaAdminIdentity, kafkaIdentities, kafkaUsername } from '../stack/kafka-identities.ts';
import { maxInstances } from '../stack/layout.ts';
import { defaultPorts, host, workerInstancePort } from '../stack/ports.ts';
import { alertmanager, alertmanagerConfigFor, alertmanagerFlags } from '../stack/services/alertmanager.ts';
import { scalableWorkers } from '../stack/services/primoart-processes.ts';
import { type ProjectProcess, projectProcesses } from '../stack/services/process-list.ts';
import { scrapeConfigFor } from '../stack/services/scrape-config.ts';
import { pipelineHealthRules, vmalert, vmalertFlags } from '../stack/services/vmalert.ts';
import { indent, replaceRegion } from './regions.ts';

/** Where the container config is mounted in every project container. */
export const containerConfigFile = '/etc/primoart/primoart.yml';
/** Each stateful worker's own volume, owned by the image's user (infra/container/Dockerfile). */
export const containerStateDir = '/var/lib/primoart';
const alertaKeySecret = 'alerta-admin-key';
const image = 'primoart:0.1.0';
// Longer than startup.shutdown_timeout_ms (15 s): drain, commit and close finish before SIGKILL.
const stopGracePeriod = '30s';
const vmalertPort = 8880;
const alertmanagerPort = 9093;

/** The compose secret holding an identity's SCRAM password, mounted at /run/secrets/<name>. */
export const kafkaSecret = (identity: string): string => `kafka-${identity}`;

/** The infra/.env variable of an identity's password: named after the process (or ADMIN). */
export function kafkaPasswordVariable(identity: string): string {
  const process = projectProcesses.find((candidate) => candidate.kafkaIdentity === identity);
  const name = identity === kafkaAdminIdentity ? 'admin' : process?.name;
  if (name === undefined) throw new Error(`no process has the Kafka identity ${identity}`);
  return `KAFKA_${name.toUpperCase().replaceAll('-', '_')}_PASSWORD`;
}

/** What a process's config must say about itself in the container (infra/container/primoart.yml). */
export function containerWorkersSection(): Record<string, Record<string, string>> {
  return Object.fromEntries(
    projectProcesses
      .filter((process) => process.kind === 'worker')
      .map((worker) => [
        worker.name,
        {
          // All interfaces inside the container; compose publishes the port on the host's 127.0.0.1 only.
          listen: `0.0.0.0:${defaultPorts[worker.port]}`,
          ...(worker.stateFile === undefined
            ? {}
            : { state_file: `${containerStateDir}/${worker.stateFile}` }),
        },
      ]),
  );
}

export function containerIdentitiesSection(): Record<string, { username: string; password_file: string }> {
  return Object.fromEntries(
    projectProcesses.map((process) => [
      process.kafkaIdentity,
      {
        username: kafkaUsername(process.kafkaIdentity),
        password_file: `/run/secrets/${kafkaSecret(process.kafkaIdentity)}`,
      },
    ]),
  );
}

interface ContainerConfig {
  environment: string;
  alerta: { url: string };
  victoria_metrics: { url: string };
}

/** `${VAR}` references of the container config: every project container gets each from infra/.env. */
export function configVariables(configText: string): string[] {
  return [
    ...new Set([...configText.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1] as string)),
  ].sort();
}

const required = (name: string) => `\${${name}:?set ${name} in infra/.env}`;
const healthy = { condition: 'service_healthy' } as const;
const seconds = (ms: number) => `${Math.ceil(ms / 1000)}s`;

/** What every container of the project's image has: the image, the config and its variables. */
function projectContainer(configText: string, variables: Record<string, string> = {}) {
  return {
    image,
    build: { context: '..', dockerfile: 'infra/container/Dockerfile' },
    environment: {
      ...Object.fromEntries(configVariables(configText).map((name) => [name, required(name)])),
      ...variables,
    },
    volumes: [
      { type: 'bind', source: './container/primoart.yml', target: containerConfigFile, read_only: true },
    ] as unknown[],
    stop_grace_period: stopGracePeriod,
  };
}

const httpHealthcheck = (port: number, path: string, startPeriodMs: number) => ({
  // Node is what the image is sure to have (no curl or wget in the slim image).
  test: [
    'CMD',
    'node',
    '-e',
    `fetch('http://127.0.0.1:${port}${path}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
  ],
  interval: '5s',
  timeout: '5s',
  retries: 12,
  start_period: seconds(startPeriodMs),
});

/** The infra/.env variable of a scalable worker's replica count (`deploy.replicas`, default 1). */
export const instancesVariable = (worker: string): string =>
  `${worker.toUpperCase().replaceAll('-', '_')}_INSTANCES`;

/**
 * A scalable worker's replicas each take a host port of the worker's instance range (182w1–182w6,
 * as the local stack's `--scale`); a fixed host port would let only the first replica start.
 */
function hostPorts(process: ProjectProcess, port: number): string[] {
  if (!scalableWorkers.includes(process.name)) return [`${host}:${port}:${port}`];
  const slot = workerNames.indexOf(process.name as WorkerName);
  const first = workerInstancePort(defaultPorts, slot, 1);
  return [`${host}:${first}-${workerInstancePort(defaultPorts, slot, maxInstances)}:${port}`];
}

function processService(process: ProjectProcess, configText: string): Record<string, unknown> {
  const { image, build, environment, volumes, stop_grace_period } = projectContainer(configText, process.env);
  const port = defaultPorts[process.port];
  const state = process.stateFile === undefined ? [] : [`${process.name}-state:${containerStateDir}`];
  return {
    image,
    build,
    restart: 'unless-stopped',
    // Replicas share the worker's consumer group; Kafka spreads the partitions over them.
    ...(scalableWorkers.includes(process.name)
      ? { deploy: { replicas: `\${${instancesVariable(process.name)}:-1}` } }
      : {}),
    // Node options go before the script, as the local stack and the systemd unit give them.
    ...(process.nodeArgs.length === 0 ? {} : { entrypoint: ['node', ...process.nodeArgs, 'scripts/cli.ts'] }),
    command: [...process.cliArgs, '--config.file', containerConfigFile],
    environment,
    // Its own Kafka identity only (kafka.identities in container/primoart.yml).
    secrets: [kafkaSecret(process.kafkaIdentity)],
    volumes: [...volumes, ...state],
    ports: hostPorts(process, port),
    depends_on: {
      ...(process.kind === 'gateway'
        ? { 'primoart-init': { condition: 'service_completed_successfully' } }
        : {}),
      kafka: healthy,
      registry: healthy,
      ...Object.fromEntries(process.needs.map((service) => [service, healthy])),
    },
    healthcheck: httpHealthcheck(port, '/-/ready', process.startTimeoutMs),
    stop_grace_period,
  };
}

function kafkaUsersService(kafkaImage: string, brokers: readonly string[]): Record<string, unknown> {
  const script = [
    'set -e',
    `printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=PLAIN\\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="primoart-broker" password="%s";\\n' "$$PRIMOART_KAFKA_BROKER_PASSWORD" > /tmp/broker.properties`,
    `for identity in ${kafkaIdentities.join(' ')}; do`,
    `  printf 'SCRAM-SHA-512=[password=%s]\\n' "$$(cat /run/secrets/kafka-$$identity)" > /tmp/user.properties`,
    '  /opt/kafka/bin/kafka-configs.sh --bootstrap-server kafka:9094 --command-config /tmp/broker.properties \\',
    `    --alter --entity-type users --entity-name "${kafkaUsername('$$identity')}" --add-config-file /tmp/user.properties`,
    'done',
    'rm -f /tmp/user.properties /tmp/broker.properties',
  ].join('\n');
  return {
    image: kafkaImage,
    restart: 'no',
    environment: { PRIMOART_KAFKA_BROKER_PASSWORD: required('KAFKA_BROKER_PASSWORD') },
    secrets: kafkaIdentities.map(kafkaSecret),
    entrypoint: ['/bin/sh', '-c'],
    command: [script],
    // Every node of the cluster: the topics' replicas need all three to be placed.
    depends_on: Object.fromEntries(brokers.map((broker) => [broker, healthy])),
  };
}

function initService(configText: string): Record<string, unknown> {
  const { image, build, environment, volumes } = projectContainer(configText);
  return {
    image,
    build,
    restart: 'no',
    entrypoint: ['/bin/sh', '-c'],
    command: [
      [
        `node scripts/cli.ts topics apply --config.file ${containerConfigFile}`,
        `node scripts/cli.ts schemas register --config.file ${containerConfigFile}`,
      ].join(' && '),
    ],
    environment,
    secrets: [kafkaSecret(kafkaAdminIdentity)],
    volumes,
    depends_on: {
      'kafka-users': { condition: 'service_completed_successfully' },
      registry: healthy,
    },
  };
}

const wgetHealthcheck = (port: number, path: string) => ({
  test: ['CMD', 'wget', '-qO-', `http://127.0.0.1:${port}${path}`],
  interval: '5s',
  timeout: '5s',
  retries: 12,
});

function vmalertService(repoDir: string, config: ContainerConfig): Record<string, unknown> {
  return {
    restart: 'unless-stopped',
    image: `victoriametrics/vmalert:${vmalert.version}`,
    command: vmalertFlags({
      rulesFile: `/etc/vmalert/${basename(pipelineHealthRules(repoDir))}`,
      storeUrl: config.victoria_metrics.url,
      alertmanagerUrl: `http://alertmanager:${alertmanagerPort}`,
      listen: `:${vmalertPort}`,
      externalUrl: `http://${host}:${defaultPorts.vmalert}`,
      environment: config.environment,
    }),
    volumes: [{ type: 'bind', source: './vmalert', target: '/etc/vmalert', read_only: true }],
    ports: [`${host}:${defaultPorts.vmalert}:${vmalertPort}`],
    depends_on: { 'victoria-metrics': healthy, alertmanager: healthy },
    healthcheck: wgetHealthcheck(vmalertPort, '/health'),
  };
}

function alertmanagerService(): Record<string, unknown> {
  return {
    restart: 'unless-stopped',
    image: `prom/alertmanager:${alertmanager.version}`,
    command: alertmanagerFlags({
      configFile: '/etc/alertmanager/alertmanager.yml',
      storagePath: '/alertmanager',
      listen: `:${alertmanagerPort}`,
      externalUrl: `http://${host}:${defaultPorts.alertmanager}`,
    }),
    secrets: [alertaKeySecret],
    volumes: [
      {
        type: 'bind',
        source: './container/alertmanager.yml',
        target: '/etc/alertmanager/alertmanager.yml',
        read_only: true,
      },
      'alertmanager-data:/alertmanager',
    ],
    ports: [`${host}:${defaultPorts.alertmanager}:${alertmanagerPort}`],
    depends_on: { alerta: healthy },
    healthcheck: wgetHealthcheck(alertmanagerPort, '/-/ready'),
  };
}

/** The Kafka nodes of the hand-written part: `kafka`, `kafka-2`, … */
export const kafkaBrokerServices = (services: Record<string, unknown>): string[] =>
  Object.keys(services).filter((name) => /^kafka(-\d+)?$/.test(name));

/**
 * YAML as compose reads it: strings a YAML 1.1 reader could take for something else are quoted, and
 * so are port mappings, as compose's documentation asks. No anchors: each service reads on its own.
 */
function toYaml(value: unknown): string {
  const document = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  visit(document, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'ports' && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isScalar(item)) item.type = 'QUOTE_DOUBLE';
      }
    },
  });
  return document.toString({ lineWidth: 0 });
}

function servicesRegion(repoDir: string, composeText: string, configText: string): string {
  const hand = parse(composeText, { merge: true }) as { services: Record<string, { image: string }> };
  const kafkaImage = hand.services.kafka?.image;
  if (kafkaImage === undefined) throw new Error('infra/compose.yaml: no kafka service');
  const config = parse(configText) as ContainerConfig;
  const services: Record<string, unknown> = {
    'kafka-users': kafkaUsersService(kafkaImage, kafkaBrokerServices(hand.services)),
    'primoart-init': initService(configText),
    ...Object.fromEntries(
      projectProcesses.map((process) => [process.name, processService(process, configText)]),
    ),
    alertmanager: alertmanagerService(),
    vmalert: vmalertService(repoDir, config),
  };
  return indent(toYaml(services), 2);
}

/** Every named volume the services mount, and every secret they are given. */
function topLevelRegion(composeText: string): string {
  const compose = parse(composeText, { merge: true }) as {
    services: Record<string, { volumes?: unknown[]; secrets?: string[] }>;
  };
  const volumes = new Set<string>();
  const secrets = new Set<string>();
  for (const service of Object.values(compose.services)) {
    for (const volume of service.volumes ?? []) {
      if (typeof volume === 'string' && !/^[./]/.test(volume)) volumes.add(volume.split(':')[0] as string);
    }
    for (const secret of service.secrets ?? []) secrets.add(secret);
  }
  const secretSources = new Map<string, string>([
    ...kafkaIdentities.map((identity) => [kafkaSecret(identity), kafkaPasswordVariable(identity)] as const),
    [alertaKeySecret, 'ALERTA_ADMIN_KEY'],
  ]);
  const secretsSection = Object.fromEntries(
    [...secrets].map((secret) => {
      const variable = secretSources.get(secret);
      if (variable === undefined) throw new Error(`infra/compose.yaml: no source for the secret ${secret}`);
      return [secret, { environment: variable }];
    }),
  );
  return toYaml({
    secrets: secretsSection,
    volumes: Object.fromEntries([...volumes].map((name) => [name, {}])),
  });
}

export function generateCompose(repoDir: string, composeText: string, configText: string): string {
  const withServices = replaceRegion(
    composeText,
    'infra/compose.yaml',
    'services',
    servicesRegion(repoDir, composeText, configText),
  );
  return replaceRegion(withServices, 'infra/compose.yaml', 'top-level', topLevelRegion(withServices));
}

export function generateContainerConfig(configText: string): string {
  const withIdentities = replaceRegion(
    configText,
    'infra/container/primoart.yml',
    'identities',
    indent(toYaml({ identities: containerIdentitiesSection() }), 2),
  );
  return replaceRegion(
    withIdentities,
    'infra/container/primoart.yml',
    'workers',
    toYaml({ workers: containerWorkersSection() }),
  );
}

const generatedHeader = (source: string) =>
  `# Generated by \`scripts/primoart deployments generate\` from ${source}; edits are overwritten.\n`;

/** Alertmanager's config in compose: the local stack's route, to Alerta's URL of the container config. */
export function generateAlertmanagerConfig(configText: string): string {
  const config = parse(configText) as ContainerConfig;
  return (
    generatedHeader('infra/stack/services/alertmanager.ts') +
    alertmanagerConfigFor(config.alerta.url, `/run/secrets/${alertaKeySecret}`)
  );
}

/**
 * VictoriaMetrics' scrape config in compose: every process by its compose name and port; a scalable
 * worker by DNS, which answers one address per replica, so each is scraped on its own.
 */
export function generateScrapeConfig(): string {
  return (
    generatedHeader('infra/stack/services/process-list.ts') +
    scrapeConfigFor(
      Object.fromEntries(
        projectProcesses.map((process) => {
          const port = defaultPorts[process.port];
          return [
            process.name,
            scalableWorkers.includes(process.name) ? { dns: process.name, port } : `${process.name}:${port}`,
          ];
        }),
      ),
    )
  );
}

/** The Kafka passwords of infra/compose.env.example, one per identity, and the store workers' replicas. */
export function generateEnvExample(envText: string): string {
  const lines = kafkaIdentities.map((identity) => `${kafkaPasswordVariable(identity)}=change-me-hex-48\n`);
  const withPasswords = replaceRegion(
    envText,
    'infra/compose.env.example',
    'kafka-passwords',
    lines.join(''),
  );
  const instances = scalableWorkers.map((worker) => `${instancesVariable(worker)}=1\n`);
  return replaceRegion(withPasswords, 'infra/compose.env.example', 'instances', instances.join(''));
}

/** Parses like compose: merge keys, duplicate keys are an error. */
export function parseCompose(text: string): unknown {
  const document = parseDocument(text, { merge: true, uniqueKeys: true });
  if (document.errors.length > 0) throw document.errors[0];
  return document.toJS();
}
