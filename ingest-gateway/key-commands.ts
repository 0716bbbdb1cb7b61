// `primoart keys create|list|revoke`: managed API keys on the compacted topic primoart.auth.keys.v1.
// The key itself is printed once by `create` and never stored; `list` also reads the usage topic
// for "last used" and shows the keys of the config file, which are managed there.
import { parseArgs } from 'node:util';
import { type ApiKeyRecord, generateApiKey, parseRateLimit } from '../auth/key-records.ts';
import { configKeyId } from '../auth/key-store.ts';
import { parseScopes } from '../auth/scopes.ts';
import { loadConfig, parseConfigArgs } from '../core/config.ts';
import type { PrimoartConfig } from '../core/config-schema.ts';
import { createLogger } from '../core/logging.ts';
import { kafkaFromConfig } from '../topics/bus.ts';
import { type TopicSpec, topics } from '../topics/catalog.ts';
import { createTopicCodec, type ValueCodec } from '../topics/codec.ts';
import { startCompactedView } from '../topics/compacted-view.ts';
import type { KafkaConnection } from '../topics/port.ts';
import type { GatewayConfig } from './config.ts';

const out = (line: string) => process.stdout.write(`${line}\n`);
const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

interface KeysBus {
  config: PrimoartConfig;
  kafka: KafkaConnection;
  rest: string[];
  codec<T>(topic: TopicSpec<T>): Promise<ValueCodec<T>>;
}

async function openBus(args: string[]): Promise<KeysBus> {
  const { configFile, rest } = parseConfigArgs(args);
  const config = await loadConfig(configFile);
  const logger = createLogger({ component: 'primoart-cli', level: 'error' });
  const kafka = kafkaFromConfig({ ...config.kafka, client_id: `${config.kafka.client_id}-cli` }, logger);
  return {
    config,
    kafka,
    rest,
    codec: (topic) => createTopicCodec(config.schema_registry.url, topic),
  };
}

/** Every record of a compacted topic, read from the beginning to its current end, in order. */
async function readTopic<T>(bus: KeysBus, topic: string, codec: ValueCodec<T>): Promise<T[]> {
  const records: T[] = [];
  const view = await startCompactedView<T>({
    kafka: bus.kafka,
    topic,
    logger: createLogger({ component: 'primoart-cli', level: 'error' }),
    decode: (value) => codec.decode(value),
    onChange: (_key, value) => {
      if (value !== undefined) records.push(value);
    },
  });
  try {
    await view.caughtUp();
  } finally {
    await view.stop();
  }
  return records;
}

/** The latest record of every managed key, by id. */
async function readKeys(bus: KeysBus, codec: ValueCodec<ApiKeyRecord>): Promise<Map<string, ApiKeyRecord>> {
  const keys = new Map<string, ApiKeyRecord>();
  for (const record of await readTopic(bus, topics.apiKeys.name, codec)) keys.set(record.id, record);
  return keys;
}

async function publishKey(
  bus: KeysBus,
  codec: ValueCodec<ApiKeyRecord>,
  record: ApiKeyRecord,
): Promise<void> {
  const producer = await bus.kafka.producer();
  try {
    await producer.send([
      { topic: topics.apiKeys.name, messages: [{ key: record.id, value: await codec.encode(record) }] },
    ]);
  } finally {
    await producer.disconnect();
  }
}

export async function keysCreateCommand(args: string[]): Promise<number> {
  const bus = await openBus(args);
  const { values, positionals } = parseArgs({
    args: bus.rest,
    options: {
      scope: { type: 'string' },
      'robot-id': { type: 'string' },
      name: { type: 'string' },
      'rate-limit': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
  if (values.scope === undefined) throw new Error('keys create needs --scope S[,S2]');
  const scopes = parseScopes(values.scope);
  const robotId = values['robot-id'];
  if (robotId !== undefined) {
    if (!uuidPattern.test(robotId)) throw new Error(`--robot-id must be a UUID, not '${robotId}'`);
    if (!scopes.includes('results:write')) {
      throw new Error('a robot key (--robot-id) must have the results:write scope');
    }
  }
  if (values.name !== undefined && values.name.trim() === '') throw new Error('--name must not be empty');
  const rateLimit = values['rate-limit'] === undefined ? undefined : parseRateLimit(values['rate-limit']);
  const codec = await bus.codec(topics.apiKeys);
  const created = generateApiKey({
    scopes,
    robotId,
    name: values.name?.trim(),
    ...(rateLimit === undefined ? {} : { recordsPerSecond: rateLimit }),
  });
  await publishKey(bus, codec, created.record);
  out(`id: ${created.record.id}`);
  out(`key: ${created.key}`);
  process.stderr.write(
    `created API key ${created.record.id} "${created.record.name}" (${scopes.join(',')}` +
      `${robotId === undefined ? '' : `, robot ${created.record.robot_id}`}` +
      `${rateLimit === undefined ? '' : `, ${rateLimit} records/s`}).\n` +
      'Store the key now: it is shown only this once (only its SHA-256 is kept).\n',
  );
  return 0;
}

const formatTime = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function keysListCommand(args: string[]): Promise<number> {
  const bus = await openBus(args);
  if (bus.rest.length > 0) throw new Error(`unexpected argument ${bus.rest[0]}`);
  const keyCodec = await bus.codec(topics.apiKeys);
  const usageCodec = await bus.codec(topics.apiKeyUsage);
  const [keys, usages] = await Promise.all([
    readKeys(bus, keyCodec),
    readTopic(bus, topics.apiKeyUsage.name, usageCodec),
  ]);
  // Several gateways publish usage; the newest use any of them saw wins.
  const lastUsed = new Map<string, number>();
  for (const usage of usages) {
    lastUsed.set(usage.key_id, Math.max(lastUsed.get(usage.key_id) ?? 0, usage.last_used_at));
  }
  const never = (id: string) => {
    const at = lastUsed.get(id);
    return at === undefined ? 'never' : formatTime(at);
  };
  const gateway = bus.config.gateway as GatewayConfig | undefined;
  const defaultRate = gateway?.rate_limit.records_per_second;
  const rate = (perSecond: number | null | undefined): string =>
    perSecond === null || perSecond === undefined
      ? defaultRate === undefined
        ? 'default'
        : `${defaultRate}/s (default)`
      : `${perSecond}/s`;
  const rows: string[][] = [
    ['ID', 'NAME', 'SCOPES', 'ROBOT', 'CREATED', 'LAST USED', 'REVOKED', 'RATE LIMIT'],
  ];
  for (const key of gateway?.api_keys ?? []) {
    const id = configKeyId(key.name);
    rows.push([
      id,
      key.name,
      key.scopes.join(','),
      key.robot_id ?? '-',
      'config file',
      never(id),
      '-',
      rate(key.rate_limit),
    ]);
  }
  const managed = [...keys.values()].sort((a, b) => a.created_at - b.created_at);
  for (const key of managed) {
    rows.push([
      key.id,
      key.name,
      key.scopes.join(','),
      key.robot_id ?? '-',
      formatTime(key.created_at),
      never(key.id),
      formatTime(key.revoked_at),
      rate(key.records_per_second),
    ]);
  }
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  for (const row of rows)
    out(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}

export async function keysRevokeCommand(args: string[]): Promise<number> {
  const bus = await openBus(args);
  const [id, ...extra] = bus.rest;
  if (id === undefined) throw new Error('keys revoke needs the id of a key (see primoart keys list)');
  if (extra.length > 0) throw new Error(`unexpected argument ${extra[0]}`);
  if (id.startsWith('config:')) {
    process.stderr.write(
      `keys revoke: ${id} comes from the config file: remove it from gateway.api_keys and restart the gateways\n`,
    );
    return 1;
  }
  const codec = await bus.codec(topics.apiKeys);
  const key = (await readKeys(bus, codec)).get(id);
  if (key === undefined) {
    process.stderr.write(`keys revoke: no API key with id '${id}' (see primoart keys list)\n`);
    return 1;
  }
  if (key.revoked_at !== null) {
    out(`${id} ("${key.name}") was already revoked at ${formatTime(key.revoked_at)}`);
    return 0;
  }
  await publishKey(bus, codec, { ...key, revoked_at: Date.now() });
  out(`${id} ("${key.name}") revoked; every gateway and console refuses it within 10 seconds`);
  return 0;
}
