// The deployments (infra/compose.yaml with its container files, infra/systemd/) follow the local
// stack's process list: the checked-in files are what `primoart deployments generate` writes, and
// their structure is what a container engine or systemd needs to run every process. No engine runs
// here (`docker compose config` cannot), so the structure is checked on the parsed files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import {
  containerConfigFile,
  instancesVariable,
  kafkaBrokerServices,
  parseCompose,
} from '../../../infra/deployments/compose.ts';
import { staleDeploymentFiles } from '../../../infra/deployments/generate.ts';
import { indent, replaceRegion } from '../../../infra/deployments/regions.ts';
import {
  consoleUnitName,
  gatewayUnitName,
  targetName,
  unitNameOf,
} from '../../../infra/deployments/systemd.ts';
import {
  kafkaIdentities,
  kafkaProcessIdentities,
  kafkaUsername,
} from '../../../infra/stack/kafka-identities.ts';
import { defaultLayout, maxInstances } from '../../../infra/stack/layout.ts';
import { defaultPorts, kafkaNodePorts, workerInstancePort } from '../../../infra/stack/ports.ts';
import { stackServices } from '../../../infra/stack/services/index.ts';
import { scalableWorkers } from '../../../infra/stack/services/primoart-processes.ts';
import { projectProcesses } from '../../../infra/stack/services/process-list.ts';
import { gatewayProcessName } from '../../../ingest-gateway/bus-access.ts';
import { gatewayEnv, gatewayNodeArgs } from '../../../ingest-gateway/launch-settings.ts';
import { replicationOf } from '../../../topics/catalog.ts';
import { workerNames } from '../../../workers/bus-access.ts';

const repoDir = join(import.meta.dirname, '..', '..', '..');
const infraDir = join(repoDir, 'infra');
const read = (path: string) => readFileSync(join(repoDir, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  restart?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  volumes?: (string | { type: string; source: string; target: string })[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; start_period?: string };
}
interface Compose {
  services: Record<string, ComposeService>;
  secrets: Record<string, { environment: string }>;
  volumes: Record<string, unknown>;
}
const compose = parseCompose(read('infra/compose.yaml')) as Compose;
/** The host ports a scaled worker's replicas take: its instance range, as the local stack's. */
const instanceRange = (worker: string): [number, number] => {
  const slot = workerNames.indexOf(worker as (typeof workerNames)[number]);
  return [workerInstancePort(defaultPorts, slot, 1), workerInstancePort(defaultPorts, slot, maxInstances)];
};
const containerConfig = parse(read('infra/container/primoart.yml')) as {
  environment: string;
  alerta: { url: string };
  kafka: { identities: Record<string, { username: string; password_file: string }> };
  gateway: { listen: string };
  console: { listen: string };
  workers: Record<string, { listen: string; state_file?: string }>;
};

const serviceOf = (name: string): ComposeService => {
  const service = compose.services[name];
  assert.ok(service, `compose has a service ${name}`);
  return service;
};
const bindMounts = (service: ComposeService) =>
  (service.volumes ?? []).flatMap((volume) => {
    if (typeof volume !== 'string')
      return volume.type === 'bind' ? [{ source: volume.source, target: volume.target }] : [];
    const [source = '', target = ''] = volume.split(':');
    return /^[./]/.test(source) ? [{ source, target }] : [];
  });
const namedVolumes = (service: ComposeService) =>
  (service.volumes ?? []).flatMap((volume) => {
    if (typeof volume !== 'string')
      return volume.type === 'volume' ? [{ source: volume.source, target: volume.target }] : [];
    const [source = '', target = ''] = volume.split(':');
    return /^[./]/.test(source) ? [] : [{ source, target }];
  });

test('the checked-in deployment files are what `primoart deployments generate` writes from the list', () => {
  assert.deepEqual(staleDeploymentFiles(), [], 'stale: run scripts/primoart deployments generate');
});

test('infra/compose.yaml is valid against the Compose Specification schema', () => {
  // The upstream schema, vendored unchanged (infra/deployments/vendor/README.md). Its $schema URL is
  // not the one ajv registers draft-07 under, hence validateSchema: false.
  const schema = JSON.parse(read('infra/deployments/vendor/compose-spec.json')) as object;
  const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(schema);
  const valid = validate(compose);
  assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  // Not vacuous: a key compose does not know is refused.
  assert.equal(validate({ services: { kafka: { replica: 3 } } }), false);
});

test('a generated region is replaced whole, and a file without its markers is an error', () => {
  const text = 'a: 1\n  # BEGIN GENERATED x (note)\nold: 1\n  # END GENERATED x\nb: 2\n';
  assert.equal(
    replaceRegion(text, 'f.yml', 'x', 'new: 2\n'),
    'a: 1\n  # BEGIN GENERATED x (note)\nnew: 2\n  # END GENERATED x\nb: 2\n',
  );
  assert.equal(indent('a\n\nb\n', 2), '  a\n\n  b\n');
  assert.throws(
    () => replaceRegion('x: 1\n', 'f.yml', 'services', ''),
    /f\.yml: no region "# BEGIN GENERATED services"/,
  );
});

test('the list holds the gateway and every worker the bus knows, each with its own identity and port', () => {
  assert.deepEqual(
    projectProcesses.filter((process) => process.kind === 'worker').map((worker) => worker.name),
    workerNames,
  );
  assert.equal(
    projectProcesses.find((process) => process.kind === 'gateway')?.kafkaIdentity,
    gatewayProcessName,
  );
  assert.deepEqual(
    projectProcesses.map((process) => process.kafkaIdentity),
    [...kafkaProcessIdentities],
  );
  const ports = projectProcesses.map((process) => defaultPorts[process.port]);
  assert.equal(new Set(ports).size, ports.length, `ports ${ports.join(', ')} are distinct`);
  // The local stack runs exactly these.
  for (const process of projectProcesses)
    assert.ok(stackServices(defaultLayout).some((service) => service.name === process.name));
});

test('compose runs every process of the list: command, launch settings, config, identity, port, health check', () => {
  for (const process of projectProcesses) {
    const service = serviceOf(process.name);
    const port = defaultPorts[process.port];
    assert.equal(service.build?.dockerfile, 'infra/container/Dockerfile', process.name);
    assert.equal(service.restart, 'unless-stopped', process.name);
    assert.deepEqual(service.command, [...process.cliArgs, '--config.file', containerConfigFile]);
    assert.ok(
      bindMounts(service).some(
        (mount) => mount.source === './container/primoart.yml' && mount.target === containerConfigFile,
      ),
      `${process.name} mounts the container config`,
    );
    assert.deepEqual(
      service.secrets,
      [`kafka-${process.kafkaIdentity}`],
      `${process.name}: its own identity only`,
    );
    assert.deepEqual(
      service.ports,
      scalableWorkers.includes(process.name)
        ? [`127.0.0.1:${instanceRange(process.name).join('-')}:${port}`]
        : [`127.0.0.1:${port}:${port}`],
    );
    assert.ok(
      service.healthcheck?.test.some((part) => part.includes(`http://127.0.0.1:${port}/-/ready`)),
      `${process.name}: health check on /-/ready`,
    );
    // Not healthy before the stack would give up on it.
    assert.ok(Number.parseInt(service.healthcheck?.start_period ?? '0', 10) * 1000 >= process.startTimeoutMs);
    for (const need of ['kafka', 'registry', ...process.needs]) {
      assert.equal(
        service.depends_on?.[need]?.condition,
        'service_healthy',
        `${process.name} waits for ${need}`,
      );
    }
  }
});

test('compose starts the gateway with the launch settings of ingest-gateway/launch-settings.ts', () => {
  const gateway = serviceOf('gateway');
  const entrypoint = gateway.entrypoint ?? [];
  const script = entrypoint.indexOf('scripts/cli.ts');
  assert.equal(entrypoint[0], 'node');
  assert.deepEqual(entrypoint.slice(1, script), [...gatewayNodeArgs], 'Node options before the script');
  for (const [name, value] of Object.entries(gatewayEnv))
    assert.equal(gateway.environment?.[name], value, name);
  // The bus is prepared (topics, ACLs, schemas) before the gateway starts, as the local stack's init does.
  assert.equal(gateway.depends_on?.['primoart-init']?.condition, 'service_completed_successfully');
});

test('the container config gives each process its own Kafka identity, port and state volume', () => {
  for (const process of projectProcesses) {
    const service = serviceOf(process.name);
    const identity = containerConfig.kafka.identities[process.kafkaIdentity];
    assert.equal(identity?.username, kafkaUsername(process.kafkaIdentity));
    assert.deepEqual(
      service.secrets?.map((secret) => `/run/secrets/${secret}`),
      [identity?.password_file],
      `${process.name} is given the one secret its identity reads`,
    );
    const listen =
      process.kind === 'worker'
        ? containerConfig.workers[process.name]?.listen
        : containerConfig[process.kind].listen;
    assert.equal(
      listen,
      `0.0.0.0:${defaultPorts[process.port]}`,
      `${process.name} listens where compose publishes`,
    );
    const stateFile = containerConfig.workers[process.name]?.state_file;
    if (process.stateFile === undefined) {
      assert.equal(stateFile, undefined);
      continue;
    }
    const volume = namedVolumes(service).find((mount) => stateFile?.startsWith(`${mount.target}/`));
    assert.ok(volume, `${process.name}: ${stateFile} is on a volume of its own`);
    assert.ok(volume.source in compose.volumes);
  }
  assert.deepEqual(
    Object.keys(containerConfig.workers),
    projectProcesses.filter((process) => process.kind === 'worker').map((worker) => worker.name),
  );
});

test('the container config is valid: `primoart check config` accepts it with the variables compose passes', () => {
  const variables = Object.fromEntries(
    [...read('infra/container/primoart.yml').matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => [
      match[1],
      // A SHA-256 wherever one is expected; any value does for the rest.
      'a'.repeat(64),
    ]),
  );
  const output = execFileSync(
    process.execPath,
    [
      join(repoDir, 'scripts', 'cli.ts'),
      'check',
      'config',
      '--config.file',
      join(infraDir, 'container', 'primoart.yml'),
    ],
    { env: { PATH: process.env.PATH ?? '', ...variables }, encoding: 'utf8' },
  );
  assert.match(output, /primoart\.yml: OK/);
});

test('kafka-users creates the SCRAM user of every identity, and the bus is prepared as the admin', () => {
  const users = serviceOf('kafka-users');
  assert.deepEqual(new Set(users.secrets), new Set(kafkaIdentities.map((identity) => `kafka-${identity}`)));
  const script = users.command?.join(' ') ?? '';
  for (const identity of kafkaIdentities)
    assert.match(script, new RegExp(`for identity in [^;\\n]*\\b${identity}\\b`));
  const init = serviceOf('primoart-init');
  assert.deepEqual(init.secrets, ['kafka-admin']);
  assert.match(init.command?.join(' ') ?? '', /topics apply .* schemas register/);
});

test('every depends_on names a service, and one-shot services are waited for until they complete', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      const target = compose.services[dependency];
      assert.ok(target, `${name} depends on ${dependency}, a service`);
      const oneShot = target.restart === 'no';
      assert.equal(
        condition,
        oneShot ? 'service_completed_successfully' : 'service_healthy',
        `${name} → ${dependency}`,
      );
      if (!oneShot) assert.ok(target.healthcheck, `${dependency} has a health check to wait for`);
    }
  }
});

test('every file compose mounts or builds from exists in the repository', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const mount of bindMounts(service)) {
      assert.ok(existsSync(join(infraDir, mount.source)), `${name} mounts ${mount.source}`);
    }
    if (service.build !== undefined) {
      const context = join(infraDir, service.build.context);
      assert.ok(
        existsSync(join(context, service.build.dockerfile)),
        `${name} builds ${service.build.dockerfile}`,
      );
    }
  }
});

test('no two services publish the same host port, and every named volume and secret is declared', () => {
  // A range (a scaled worker's replicas) counts as every port in it.
  const published = Object.values(compose.services).flatMap((service) =>
    (service.ports ?? []).flatMap((mapping) => {
      const [from, to = from] = (mapping.split(':').at(-2) ?? '').split('-').map(Number) as [number, number?];
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    }),
  );
  assert.equal(new Set(published).size, published.length, `host ports: ${published.join(', ')}`);
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of namedVolumes(service))
      assert.ok(volume.source in compose.volumes, `${name}: ${volume.source}`);
    for (const secret of service.secrets ?? [])
      assert.ok(compose.secrets[secret], `${name}: secret ${secret}`);
  }
});

test('compose runs a 3-node Kafka cluster as `up --kafka-brokers 3` does: one quorum, replication 3, min ISR 2', () => {
  const brokers = kafkaBrokerServices(compose.services);
  assert.deepEqual(brokers, ['kafka', 'kafka-2', 'kafka-3']);
  const { replicationFactor, minInsyncReplicas } = replicationOf(brokers.length);
  const environments = brokers.map((name) => serviceOf(name).environment ?? {});
  const voters = brokers.map((name, i) => `${i + 1}@${name}:9093`).join(',');
  brokers.forEach((name, i) => {
    const environment = environments[i] ?? {};
    const id = i + 1;
    const external = kafkaNodePorts(defaultPorts, id).client;
    assert.equal(String(environment.KAFKA_NODE_ID), String(id), name);
    assert.equal(environment.KAFKA_CONTROLLER_QUORUM_VOTERS, voters, `${name}: one quorum of every node`);
    assert.ok(
      environment.KAFKA_LISTENERS?.includes('CONTROLLER://0.0.0.0:9093'),
      `${name}: reachable by its peers`,
    );
    assert.equal(
      environment.KAFKA_ADVERTISED_LISTENERS,
      `CLIENT://${name}:9092,EXTERNAL://127.0.0.1:${external},BROKER://${name}:9094`,
    );
    assert.deepEqual(serviceOf(name).ports, [`127.0.0.1:${external}:${external}`]);
    assert.deepEqual(namedVolumes(serviceOf(name)), [
      { source: `${name}-data`, target: '/var/lib/kafka/data' },
    ]);
    for (const key of [
      'KAFKA_DEFAULT_REPLICATION_FACTOR',
      'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
      'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR',
    ])
      assert.equal(String(environment[key]), String(replicationFactor), `${name}: ${key}`);
    for (const key of [
      'KAFKA_MIN_INSYNC_REPLICAS',
      'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR',
      'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR',
    ])
      assert.equal(String(environment[key]), String(minInsyncReplicas), `${name}: ${key}`);
    // Everything else is one cluster's: the same id, security and limits.
    const { KAFKA_NODE_ID, KAFKA_LISTENERS, KAFKA_ADVERTISED_LISTENERS, ...shared } = environment;
    const {
      KAFKA_NODE_ID: _,
      KAFKA_LISTENERS: __,
      KAFKA_ADVERTISED_LISTENERS: ___,
      ...first
    } = environments[0] ?? {};
    assert.deepEqual(shared, first, `${name} is configured as kafka is`);
  });
  // The local stack's cluster settings, for the same reasons (infra/stack/services/kafka.ts).
  assert.equal(String(environments[0]?.KAFKA_BROKER_SESSION_TIMEOUT_MS), '3000');
  assert.deepEqual(
    Object.keys(serviceOf('kafka-users').depends_on ?? {}).sort(),
    [...brokers].sort(),
    'the users are created once every node is healthy',
  );
  const bootstrap = (parse(read('infra/container/primoart.yml')) as { kafka: { brokers: string[] } }).kafka
    .brokers;
  assert.deepEqual(
    bootstrap,
    brokers.map((name) => `${name}:9092`),
    'every client knows every node',
  );
});

test('compose scales the store workers by replicas from infra/.env, each replica on a host port of its own', () => {
  const example = read('infra/compose.env.example');
  for (const process of projectProcesses) {
    const service = serviceOf(process.name) as ComposeService & { deploy?: { replicas?: string } };
    if (!scalableWorkers.includes(process.name)) {
      assert.equal(service.deploy, undefined, `${process.name} runs once: its state is a local file`);
      continue;
    }
    const variable = instancesVariable(process.name);
    assert.equal(service.deploy?.replicas, `\${${variable}:-1}`);
    assert.match(example, new RegExp(`^${variable}=1$`, 'm'));
    const [first, last] = instanceRange(process.name);
    assert.equal(last - first + 1, maxInstances, `${process.name}: a port for every replica`);
  }
});

test('every variable compose and the container config use is in compose.env.example', () => {
  const example = new Set(
    [...read('infra/compose.env.example').matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1] as string),
  );
  // Values only (comments may say `${VAR}`); $$ is compose's escape for a literal $ (shell variables
  // inside the containers).
  const strings = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([key, item]) => [key, ...strings(item)])
        : [];
  const variables = (value: unknown) =>
    strings(value).flatMap((text) => [...text.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)/g)].map((match) => match[1]));
  const used = [
    ...variables(compose),
    ...variables(containerConfig),
    ...Object.values(compose.secrets).map((secret) => secret.environment),
  ];
  assert.ok(used.includes('POSTGRES_PASSWORD'));
  for (const variable of used)
    assert.ok(example.has(variable as string), `${variable} in compose.env.example`);
});

test("compose runs every third-party service of the local stack, at the local stack's version", () => {
  const thirdParty = stackServices(defaultLayout).filter(
    (service) => !projectProcesses.some((process) => process.name === service.name),
  );
  for (const stackService of thirdParty) {
    const image = serviceOf(stackService.name).image ?? '';
    const tag = image.split(':').at(-1) ?? '';
    // VictoriaLogs' local build reports v1.24.0+vm-v1.121.0: the release is before the '+'.
    assert.ok(
      tag.startsWith(stackService.version.split('+')[0] as string),
      `${image} is ${stackService.version}`,
    );
  }
});

test('pipeline health in compose: VictoriaMetrics scrapes every process, vmalert alerts through Alertmanager to Alerta', () => {
  const scrape = parse(read('infra/container/scrape.yml')) as {
    scrape_configs: {
      job_name: string;
      static_configs?: { targets: string[] }[];
      dns_sd_configs?: { names: string[]; type: string; port: number }[];
    }[];
  };
  // A scaled worker's replicas share its name: DNS answers each one's address, a static target one.
  assert.deepEqual(
    scrape.scrape_configs.map((job) => [
      job.job_name,
      job.static_configs?.[0]?.targets ?? job.dns_sd_configs,
    ]),
    projectProcesses.map((process) => [
      process.name,
      scalableWorkers.includes(process.name)
        ? [{ names: [process.name], type: 'A', port: defaultPorts[process.port] }]
        : [`${process.name}:${defaultPorts[process.port]}`],
    ]),
  );
  const store = serviceOf('victoria-metrics');
  const scrapeMount = bindMounts(store).find((mount) => mount.source === './container/scrape.yml');
  assert.ok(store.command?.includes(`-promscrape.config=${scrapeMount?.target}`));

  const vmalert = serviceOf('vmalert');
  const rule = vmalert.command?.find((flag) => flag.startsWith('-rule='))?.slice('-rule='.length) ?? '';
  const rules = bindMounts(vmalert).find((mount) => rule.startsWith(`${mount.target}/`));
  assert.ok(
    rules && existsSync(join(infraDir, rules.source, rule.slice(rules.target.length))),
    `${rule} is mounted`,
  );
  assert.ok(vmalert.command?.includes('-notifier.url=http://alertmanager:9093'));
  assert.ok(vmalert.command?.includes(`-external.label=environment=${containerConfig.environment}`));

  const alertmanager = serviceOf('alertmanager');
  assert.ok(alertmanager.command?.includes('--web.listen-address=:9093'));
  const configMount = bindMounts(alertmanager).find(
    (mount) => mount.source === './container/alertmanager.yml',
  );
  assert.ok(alertmanager.command?.includes(`--config.file=${configMount?.target}`));
  const route = parse(read('infra/container/alertmanager.yml')) as {
    receivers: {
      webhook_configs: { url: string; http_config: { authorization: { credentials_file: string } } }[];
    }[];
  };
  const webhook = route.receivers[0]?.webhook_configs[0];
  assert.equal(webhook?.url, `${containerConfig.alerta.url}/webhooks/prometheus`);
  assert.deepEqual(
    alertmanager.secrets?.map((secret) => `/run/secrets/${secret}`),
    [webhook?.http_config.authorization.credentials_file],
  );
});

test('systemd: primoart.target wants every process of the list; units start it the way the list says', () => {
  const target = read(`infra/systemd/${targetName}`);
  const wanted = [...target.matchAll(/^Wants=(.*)$/gm)].flatMap((line) => (line[1] ?? '').split(' '));
  assert.deepEqual(wanted, projectProcesses.map(unitNameOf));
  assert.ok(wanted.includes(gatewayUnitName) && wanted.includes(consoleUnitName));
  const worker = read('infra/systemd/primoart-worker@.service');
  assert.match(
    worker,
    /^ExecStart=\/usr\/bin\/node \/opt\/primoart\/scripts\/cli\.ts worker %i --config\.file /m,
  );
  const timeout = Number(/^TimeoutStartSec=(\d+)$/m.exec(worker)?.[1]);
  for (const process of projectProcesses) assert.ok(timeout * 1000 >= process.startTimeoutMs, process.name);
  assert.match(
    read(`infra/systemd/${consoleUnitName}`),
    /^ExecStart=\/usr\/bin\/node \/opt\/primoart\/scripts\/cli\.ts console --config\.file /m,
  );
  for (const unit of [
    worker,
    read(`infra/systemd/${gatewayUnitName}`),
    read(`infra/systemd/${consoleUnitName}`),
  ]) {
    assert.match(unit, /^Type=notify$/m);
    assert.match(unit, new RegExp(`^PartOf=${targetName.replace('.', '\\.')}$`, 'm'));
  }
});
