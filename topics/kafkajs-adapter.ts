// The kafkajs implementation of the Kafka port. Nothing outside this file (and the decoder fix it
// installs, kafkajs-empty-batches.ts) imports kafkajs.
import kafkajs, {
  type AclEntry,
  type ICustomPartitioner,
  type IHeaders,
  type Kafka as KafkaClient,
  type KafkaConfig,
  type Admin as KafkajsAdmin,
  type Consumer as KafkajsConsumer,
  type LogEntry,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import { keepEmptyBatchesInKafkajs } from './kafkajs-empty-batches.ts';
import type {
  AclBinding,
  Admin,
  Consumer,
  ConsumerOptions,
  DeliveredRecord,
  Headers,
  KafkaConnection,
  OutgoingMessage,
  Producer,
} from './port.ts';

// Before any consumer fetches: kafkajs must see the empty batches compaction leaves (see the module).
keepEmptyBatchesInKafkajs();

// kafkajs is CommonJS: its enums and classes come off the default export.
const {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  Kafka,
  logLevel,
  Partitioners,
  ResourcePatternTypes,
} = kafkajs;

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /**
   * Consumers' group session timeout: `kafka.consumer.session_timeout_ms`, whose default is the
   * config schema's; a client opened without config (tests' helpers) keeps kafkajs's own.
   */
  sessionTimeoutMs?: number;
  /** SASL/SCRAM credentials; without them the client connects unauthenticated. */
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** kafkajs logs through pino, at the level pino is set to. */
function logCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const fields = { kafkajs: extra };
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else if (level === logLevel.INFO) logger.debug(fields, message);
      else logger.trace(fields, message);
    };
}

function toKafkajsHeaders(headers: Headers | undefined): IHeaders | undefined {
  return headers;
}

function fromKafkajsHeaders(headers: IHeaders | undefined): Headers {
  const out: Headers = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return out;
}

function kafkajsSasl({ mechanism, username, password }: NonNullable<KafkaSettings['sasl']>): SASLOptions {
  // kafkajs types each mechanism separately.
  return mechanism === 'scram-sha-256'
    ? { mechanism, username, password }
    : { mechanism, username, password };
}

export function connectKafka(settings: KafkaSettings, logger: Logger): KafkaConnection {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: settings.connectTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    ...(settings.sasl === undefined ? {} : { sasl: kafkajsSasl(settings.sasl) }),
    logLevel: logLevel.INFO,
    logCreator: logCreator(logger.child({ component: 'kafkajs' })),
    // Bounded: a broker that stays away surfaces as an error the caller can answer (503, retry, exit).
    retry: { initialRetryTime: 200, retries: 3, maxRetryTime: 2000 },
  };
  const kafka = new Kafka(config);
  // Producers get a client of their own whose retries last ~7 s (kafkajs gives a producer its
  // client's retries, for sends and for the reconnects and metadata refreshes under them): in a
  // cluster, a SIGKILLed broker keeps its partitions until it is fenced (~3 s,
  // infra/stack/services/kafka.ts); with 3 retries (~1.4 s) one or two of ~650 sends failed on
  // ECONNREFUSED to the dead broker in every run (test/integration/kafka-cluster.test.ts), each a
  // 503 for a robot. ~7 s stays inside the gateway's 10 s publish timeout. Consumers and admins
  // keep 3: a broker that stays away surfaces sooner there.
  const producerKafka = new Kafka({
    ...config,
    retry: { initialRetryTime: 200, retries: 6, maxRetryTime: 2000 },
  });

  return {
    async producer(): Promise<Producer> {
      return oneSendAtATime(async () => {
        const producer = producerKafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          // Murmur2 like the Java client, so a key lands on the same partition whoever produced it.
          createPartitioner: stablePartitioner,
        });
        try {
          await producer.connect();
        } catch (error) {
          // connect() opens connections before it asks for a producer id: close what it opened.
          await producer.disconnect().catch(() => undefined);
          throw error;
        }
        return {
          async send(batches): Promise<DeliveredRecord[]> {
            const metadata = await producer.sendBatch({
              acks: -1,
              timeout: settings.requestTimeoutMs,
              topicMessages: batches.map((b) => ({
                topic: b.topic,
                messages: b.messages.map((m: OutgoingMessage) => ({
                  key: m.key,
                  value: m.value,
                  headers: toKafkajsHeaders(m.headers),
                })),
              })),
            });
            return metadata.map((m) => ({
              topic: m.topicName,
              partition: m.partition,
              baseOffset: m.baseOffset ?? '-1',
            }));
          },
          disconnect: () => producer.disconnect(),
        };
      });
    },

    async consumer(options: ConsumerOptions): Promise<Consumer> {
      return createConsumer(kafka, options, settings.sessionTimeoutMs);
    },

    async admin(): Promise<Admin> {
      const admin = kafka.admin();
      await admin.connect();
      return wrapAdmin(admin, kafka);
    },
  };
}

/** A send not made, or not waited for, because its deadline passed (`SendOptions.deadline`). */
export class SendExpiredError extends Error {
  override readonly name = 'SendExpiredError';
}

/**
 * A producer whose sends take turns, on a kafkajs producer that is replaced once a send failed.
 *
 * kafkajs's idempotent producer takes a partition's next sequence number when it builds a request
 * and hands it back when the request fails, also when the broker had appended the batch and only
 * its answer was lost (a broker killed, leadership moving, a timeout). A send that takes that
 * number in between is taken by the broker for a retry of the batch it already holds: it answers
 * success with that batch's offset and drops the records (kafkajs issue 1005). `primoart chaos`
 * saw exactly that: one result answered 2xx and in no store, another written twice 1.7 s apart,
 * while leadership moved back to a restarted broker. Sends taking turns leave no "in between"
 * for kafkajs's own retries; a send that failed for good may have left wrong numbers behind (what
 * kafkajs's "Limiting retries for the idempotent producer" warning means), so the next send gets a
 * new producer: a new producer id, sequences from 0. kafkajs already sends one request at a time
 * per broker on an idempotent producer, so on one broker nothing is slower; against three, single
 * uploads through the gateway run at about 0.7 of what they did (scripts/bench/README.md
 * "gateway-throughput").
 *
 * A send with a deadline holds the turn until then at most: past it, the producer is retired as
 * after a failure (a stalled broker would otherwise hold every other send, also those for healthy
 * brokers) and closed in the background. Left: within one send, kafkajs retries a request to one
 * broker while an earlier request of the same send to another broker can still be in flight; if
 * that one fails late (a connection that stalls rather than drops, during a leadership move), it
 * hands back a number the retry already took. Retiring the producer after the send ends its
 * effect there, but the send itself may have been answered for records dropped. Closing that too
 * means retries of our own on a new producer id each, at the price of a second copy after every
 * answer lost, which the OTLP entries (keyed by Kafka coordinates) would show.
 */
export async function oneSendAtATime(open: () => Promise<Producer>): Promise<Producer> {
  let current: Producer | undefined = await open();
  let closed = false;
  // Retired producers still closing (kafkajs waits for their requests in flight): the next send
  // does not wait for them, the final disconnect does.
  const closing = new Set<Promise<void>>();
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const done = turn.then(work);
    turn = done.catch(() => undefined);
    return done;
  };
  const retire = (producer: Producer): void => {
    if (current === producer) current = undefined;
    const done = producer.disconnect().catch(() => undefined);
    closing.add(done);
    void done.then(() => closing.delete(done));
  };
  const expired = (deadline: number | undefined) => deadline !== undefined && Date.now() >= deadline;
  return {
    send: (batches, options) => {
      if (closed) return Promise.reject(new Error('the producer is disconnected'));
      return inTurn(async () => {
        const deadline = options?.deadline;
        if (expired(deadline))
          throw new SendExpiredError('the send was not made: its deadline passed while it waited its turn');
        current ??= await open();
        // Opening can take seconds while a broker is away.
        if (expired(deadline))
          throw new SendExpiredError('the send was not made: its deadline passed while the producer opened');
        const producer = current;
        let timer: NodeJS.Timeout | undefined;
        try {
          const sent = producer.send(batches);
          if (deadline === undefined) return await sent;
          // Settled after the deadline, its outcome is nobody's: not an unhandled rejection.
          sent.catch(() => undefined);
          const late = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              reject(new SendExpiredError('no acknowledgement by the deadline; the producer is replaced'));
              retire(producer);
            }, deadline - Date.now());
          });
          return await Promise.race([sent, late]);
        } catch (error) {
          if (!(error instanceof SendExpiredError)) retire(producer);
          throw error;
        } finally {
          clearTimeout(timer);
        }
      });
    },
    disconnect: () => {
      // Sends made before are waited for (those with a deadline only until then); later ones are refused.
      closed = true;
      return inTurn(async () => {
        const producer = current;
        current = undefined;
        await producer?.disconnect();
        await Promise.all(closing);
      });
    },
  };
}

/**
 * kafkajs's murmur2 partitioner, with a record without a key placed by its value. kafkajs places
 * keyless records round-robin and places them again on each retry: a record the broker appended
 * on one partition before its answer was lost would be sent to another, and the first
 * partition's sequence number handed back for the next send to reuse (see oneSendAtATime).
 */
const stablePartitioner: ICustomPartitioner = () => {
  const murmur2 = Partitioners.DefaultPartitioner();
  return ({ topic, partitionMetadata, message }) =>
    murmur2({
      topic,
      partitionMetadata,
      message:
        message.key === null || message.key === undefined ? { ...message, key: message.value } : message,
    });
};

async function createConsumer(
  kafka: KafkaClient,
  options: ConsumerOptions,
  sessionTimeout: number | undefined,
): Promise<Consumer> {
  const consumer: KafkajsConsumer = kafka.consumer({
    groupId: options.groupId,
    ...(sessionTimeout === undefined
      ? {}
      : {
          sessionTimeout,
          // Kafka's advice: at most a third of the session timeout, so one late heartbeat is not an eviction.
          heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
        }),
    maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
    ...(options.minBytes === undefined ? {} : { minBytes: options.minBytes }),
    ...(options.maxWaitMs === undefined ? {} : { maxWaitTimeInMs: options.maxWaitMs }),
    allowAutoTopicCreation: false,
    // A restart after a crash re-joins the group and resumes from the last committed offset.
    retry: { initialRetryTime: 300, retries: 8 },
  });
  let assigned: Array<{ topic: string; partition: number }> = [];
  let stopping = false;
  const resumeTimers = new Set<NodeJS.Timeout>();
  let joinedResolve: () => void = () => {};
  const joinedOnce = new Promise<void>((resolve) => {
    joinedResolve = resolve;
  });
  // kafkajs restarts a crashed consumer only after a retriable error; after any other it emits
  // CRASH with restart: false and fetches nothing more.
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart && !stopping) options.onDead?.(event.payload.error);
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    joinedResolve();
  });

  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });

  return {
    async run(handle) {
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, isRunning, isStale, resolveOffset, pause, heartbeat }) => {
          if (batch.messages.length === 0) return;
          await handle(
            {
              topic: batch.topic,
              partition: batch.partition,
              highWatermark: batch.highWatermark,
              messages: batch.messages.map((m) => ({
                topic: batch.topic,
                partition: batch.partition,
                offset: m.offset,
                key: m.key ?? null,
                value: m.value ?? null,
                headers: fromKafkajsHeaders(m.headers),
                timestamp: Number(m.timestamp),
              })),
            },
            {
              async commit(nextOffset) {
                try {
                  await consumer.commitOffsets([
                    { topic: batch.topic, partition: batch.partition, offset: nextOffset },
                  ]);
                  // kafkajs fetches from its own "resolved" position, which commitOffsets does not move.
                  resolveOffset((BigInt(nextOffset) - 1n).toString());
                  // kafkajs heartbeats only between batches; a batch of many chunks written one by one
                  // could outlast a short session timeout. Sent only once the interval has passed.
                  await heartbeat();
                } catch (error) {
                  throw membershipCause(error);
                }
              },
              markProcessed: (offset) => resolveOffset(offset),
              pauseFor(ms) {
                // kafkajs's own per-batch pause: the partition is left out of fetches until resumed,
                // then read again from the last resolved (committed) offset.
                const resume = pause();
                const timer = setTimeout(() => {
                  resumeTimers.delete(timer);
                  if (!stopping) resume();
                }, ms);
                resumeTimers.add(timer);
              },
              stillAssigned: () => !stopping && isRunning() && !isStale(),
            },
          );
        },
      });
    },
    joined: () => joinedOnce,
    async stop() {
      stopping = true;
      for (const timer of resumeTimers) clearTimeout(timer);
      resumeTimers.clear();
      // disconnect() waits for the batch in hand, then leaves the group so partitions move at once.
      await consumer.disconnect();
    },
    assignment: () => assigned,
  };
}

/** Broker answers that this member lost its place in the group (a rebalance, an expired session). */
const membershipErrors = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
]);

/**
 * A commit or heartbeat refused because this member lost its place in the group reaches us wrapped
 * in a KafkaJSNonRetriableError (kafkajs's own retrier gave up on it). kafkajs's runner re-joins the
 * group on the protocol error itself, but not on the wrapper: that one crashed the consumer for good
 * (seen under load with a 6 s session: the worker ran on and stored nothing). The uncommitted batch
 * is read again after the re-join; writes are idempotent.
 */
export function membershipCause(error: unknown): unknown {
  for (let cause: unknown = error; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
    const type = (cause as { type?: unknown }).type;
    if (typeof type === 'string' && membershipErrors.has(type)) return cause;
  }
  return error;
}

/**
 * kafkajs's `admin.setOffsets`, without its wait. It commits the offsets through a consumer of the
 * group, paused on the topic, that it stops at its first fetch: with nothing to fetch, that "fetch"
 * is a sleep of the consumer's maxWaitTime, kafkajs's default 5 s, which the admin does not let one
 * set. That was 5 s for every topic of a replay, and ~25 s for a test's fresh synth-store group
 * (five topics). The same steps, with a consumer that waits 100 ms.
 */
async function setGroupOffsetsPromptly(
  kafka: KafkaClient,
  groupId: string,
  topic: string,
  partitions: Array<{ partition: number; offset: string }>,
): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    // Kafka's own rule, checked as kafkajs checks it: a group with live members keeps its offsets.
    const { state } = await consumer.describeGroup();
    if (!['Empty', 'Dead'].includes(state)) {
      throw new Error(`The consumer group must have no running instances, current state: ${state}`);
    }
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => {
        consumer.stop().then(resolve, reject);
      });
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => {} }).catch(reject);
      // Nothing is read: the seeks alone are committed, once the consumer has joined the group.
      consumer.pause([{ topic }]);
      for (const { partition, offset } of partitions) consumer.seek({ topic, partition, offset });
    });
  } finally {
    await consumer.disconnect();
  }
}

/** Errors a just-created topic answers with until every broker knows it and it has leaders. */
const notYetLed = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** The error type kafkajs gives, or the one it wrapped once its own retries ran out. */
function kafkajsErrorType(error: unknown): string {
  const { type, originalError } = error as { type?: string; originalError?: { type?: string } };
  return type ?? originalError?.type ?? '';
}

/**
 * A metadata read about topics that exist, retried while a broker answers that it does not know
 * them: a cluster's brokers learn a new topic one after another, and kafkajs asks any of them.
 */
async function whileUnknownTopic<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (kafkajsErrorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Resolves once every partition of a new topic has a leader; 30 s at most. */
async function untilLed(admin: KafkajsAdmin, topic: string, partitions: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const led = metadata.topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (led >= partitions) return;
    } catch (error) {
      if (!notYetLed.has(kafkajsErrorType(error))) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`topic ${topic}: no leader for every partition 30 s after it was created`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function wrapAdmin(admin: KafkajsAdmin, kafka: KafkaClient): Admin {
  return {
    listTopics: () => admin.listTopics(),
    async createTopic(topic) {
      const created = await admin.createTopics({
        // kafkajs's own wait gives up on the first "does not host this topic-partition", which a
        // KRaft broker answers until the new topic reaches its metadata cache (seen on a fresh
        // machine: `up` failed there); untilLed waits that out too.
        waitForLeaders: false,
        topics: [
          {
            topic: topic.name,
            numPartitions: topic.partitions,
            replicationFactor: topic.replicationFactor,
            configEntries: Object.entries(topic.configEntries).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      await untilLed(admin, topic.name, topic.partitions);
      return created;
    },
    async describeTopicConfig(name, keys) {
      const described = await whileUnknownTopic(() =>
        admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: keys }],
        }),
      );
      const out: Record<string, string> = {};
      for (const entry of described.resources[0]?.configEntries ?? [])
        out[entry.configName] = entry.configValue;
      return out;
    },
    async alterTopicConfig(name, entries) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name,
            configEntries: Object.entries(entries).map(([n, value]) => ({ name: n, value })),
          },
        ],
      });
    },
    async partitionCount(name) {
      const metadata = await whileUnknownTopic(() => admin.fetchTopicMetadata({ topics: [name] }));
      return metadata.topics[0]?.partitions.length ?? 0;
    },
    async describeCluster() {
      const { brokers, controller } = await admin.describeCluster();
      return { brokers, controller };
    },
    async partitionReplicas(names) {
      const metadata = await whileUnknownTopic(() =>
        admin.fetchTopicMetadata({ topics: [...(names ?? [])] }),
      );
      return metadata.topics.map((topic) => ({
        topic: topic.name,
        partitions: topic.partitions
          .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
          .sort((a, b) => a.partition - b.partition),
      }));
    },
    async reassignPartitions(name, assignments) {
      await admin.alterPartitionReassignments({
        topics: [{ topic: name, partitionAssignment: assignments }],
      });
    },
    async addPartitions(name, count) {
      await admin.createPartitions({ topicPartitions: [{ topic: name, count }] });
    },
    async topicOffsets(name) {
      const offsets = await admin.fetchTopicOffsets(name);
      return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
    },
    async topicOffsetsAt(name, timestampMs) {
      const offsets = await admin.fetchTopicOffsetsByTimestamp(name, timestampMs);
      return offsets.map((o) => ({ partition: o.partition, offset: o.offset }));
    },
    async groupOffsets(groupId, topic) {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (offsets[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
    },
    async listGroups() {
      const { groups } = await admin.listGroups();
      return groups.map((g) => g.groupId);
    },
    async groupMembers(groupId) {
      const { groups } = await admin.describeGroups([groupId]);
      return (groups[0]?.members ?? []).map(({ memberId, clientId, clientHost }) => ({
        memberId,
        clientId,
        clientHost,
      }));
    },
    async setGroupOffsets(groupId, topic, partitions) {
      await setGroupOffsetsPromptly(kafka, groupId, topic, partitions);
    },
    async describeAcls(principals) {
      const bindings: AclBinding[] = [];
      for (const principal of principals) {
        const described = await admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
        for (const resource of described.resources)
          for (const acl of resource.acls) {
            const binding = fromAclEntry({ ...resource, ...acl });
            if (binding !== undefined) bindings.push(binding);
          }
      }
      return bindings;
    },
    async createAcls(bindings) {
      if (bindings.length > 0) await admin.createAcls({ acl: bindings.map(toAclEntry) });
    },
    async deleteAcls(bindings) {
      if (bindings.length > 0) await admin.deleteAcls({ filters: bindings.map(toAclEntry) });
    },
    disconnect: () => admin.disconnect(),
  };
}

const aclResourceTypes = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const aclPatternTypes = {
  literal: ResourcePatternTypes.LITERAL,
  prefixed: ResourcePatternTypes.PREFIXED,
} as const;
const aclOperations = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  describe: AclOperationTypes.DESCRIBE,
} as const;
const aclPermissions = { allow: AclPermissionTypes.ALLOW, deny: AclPermissionTypes.DENY } as const;

function toAclEntry(binding: AclBinding): AclEntry {
  return {
    principal: binding.principal,
    host: '*',
    resourceType: aclResourceTypes[binding.resourceType],
    resourceName: binding.resourceName,
    resourcePatternType: aclPatternTypes[binding.patternType],
    operation: aclOperations[binding.operation],
    permissionType: aclPermissions[binding.permission],
  };
}

const keyOf = <T extends string>(table: Record<T, number>, value: number): T | undefined =>
  (Object.keys(table) as T[]).find((key) => table[key] === value);

/** A binding outside what the port speaks (a cluster ACL, a host restriction) is left as it is. */
function fromAclEntry(entry: AclEntry): AclBinding | undefined {
  const resourceType = keyOf(aclResourceTypes, entry.resourceType);
  const patternType = keyOf(aclPatternTypes, entry.resourcePatternType);
  const operation = keyOf(aclOperations, entry.operation);
  const permission = keyOf(aclPermissions, entry.permissionType);
  if (
    resourceType === undefined ||
    patternType === undefined ||
    operation === undefined ||
    permission === undefined ||
    entry.host !== '*'
  )
    return undefined;
  return {
    principal: entry.principal,
    resourceType,
    resourceName: entry.resourceName,
    patternType,
    operation,
    permission,
  };
}
