// The project's own small Kafka port. Everything outside `topics/` talks to Kafka through these
// interfaces only, so the client library (kafkajs today) can be swapped by writing one adapter.

export type Headers = Record<string, string>;

export interface OutgoingMessage {
  key: string | Buffer | null;
  /** null is a tombstone: on a compacted topic it deletes the key. */
  value: Buffer | null;
  headers?: Headers;
}

export interface DeliveredRecord {
  topic: string;
  partition: number;
  /** The offset of the first message of this send on that partition. */
  baseOffset: string;
}

export interface SendOptions {
  /**
   * Ms since the epoch: a send whose turn has not come by then is not made, and rejects. For a
   * caller that stops waiting (the gateway answers 503 after its publish timeout): a Kafka outage
   * then leaves no queue of sends nobody waits for.
   */
  deadline?: number;
}

export interface Producer {
  /**
   * Send and resolve only when every broker that leads a partition written to has acknowledged
   * (acks=all on an idempotent producer). Rejects when that cannot happen. Concurrent sends take
   * turns: a resolved send is in Kafka once, whatever failed around it (kafkajs-adapter.ts).
   */
  send(
    batches: Array<{ topic: string; messages: OutgoingMessage[] }>,
    options?: SendOptions,
  ): Promise<DeliveredRecord[]>;
  disconnect(): Promise<void>;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  /** Broker or producer timestamp, ms since the epoch. */
  timestamp: number;
}

/** What a consumer hands its processing loop: a run of consecutive messages from one partition. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
  /** The partition's high watermark when fetched, for lag. */
  highWatermark: string;
}

export interface BatchControl {
  /**
   * Commit `nextOffset` (the next offset to read) for this batch's partition; resolves once the
   * broker stored it. Also moves this consumer's fetch position there.
   */
  commit(nextOffset: string): Promise<void>;
  /**
   * Move the fetch position past `offset` without committing (readers that never commit, like a
   * compacted view). Without this or commit, the same messages are fetched again.
   */
  markProcessed(offset: string): void;
  /**
   * Stop fetching this partition for `ms`, then resume from the last committed (or processed)
   * offset: how a consumer waits out a store outage without blocking the poll loop.
   */
  pauseFor(ms: number): void;
  /** False once the consumer is stopping or this partition was revoked: stop working on it. */
  stillAssigned(): boolean;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  maxBytesPerPartition?: number;
  /** A fetch waits until this many bytes are available or maxWaitMs passed (batching by time). */
  minBytes?: number;
  maxWaitMs?: number;
  /**
   * Called when the consumer has stopped for good on an error of its own (not by stop()): it will
   * fetch nothing more, and a process left running would look alive while doing no work.
   */
  onDead?: (error: Error) => void;
}

export interface Consumer {
  /** Join the group and process batches until stop(); resolves once the consumer is running. */
  run(handle: (batch: PartitionBatch, control: BatchControl) => Promise<void>): Promise<void>;
  /** Resolves when this member has joined the group and received its assignment. */
  joined(): Promise<void>;
  /** Stop fetching, let the batch in hand finish (it commits), leave the group. */
  stop(): Promise<void>;
  /** Partitions this instance currently owns, for status and tests. */
  assignment(): Array<{ topic: string; partition: number }>;
}

export interface TopicConfig {
  name: string;
  partitions: number;
  /** Copies of each partition, on as many brokers. */
  replicationFactor: number;
  configEntries: Record<string, string>;
}

/** The brokers serving now (a stopped one is not listed) and the active controller's id. */
export interface ClusterView {
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  controller: number | null;
}

/** Where one partition lives: its leader (-1: none), its replicas, and those in sync. */
export interface PartitionReplicas {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicOffsets {
  partition: number;
  low: string;
  high: string;
}

/**
 * One ACL binding, in Kafka's own terms: a principal (`User:<name>`) allowed or denied an operation
 * on a topic or consumer group, named literally or by prefix, from any host.
 */
export interface AclBinding {
  principal: string;
  resourceType: 'topic' | 'group';
  resourceName: string;
  patternType: 'literal' | 'prefixed';
  operation: 'read' | 'write' | 'describe';
  permission: 'allow' | 'deny';
}

/** One live member of a consumer group, as the group coordinator knows it. */
export interface GroupMember {
  memberId: string;
  /** The Kafka client id the member connected with (`kafka.client_id`). */
  clientId: string;
  /** The address the member connects from, as the broker sees it (e.g. `/10.0.0.5`). */
  clientHost: string;
}

export interface Admin {
  listTopics(): Promise<string[]>;
  /** False when the topic existed already (nothing was changed). */
  createTopic(topic: TopicConfig): Promise<boolean>;
  describeTopicConfig(name: string, keys: string[]): Promise<Record<string, string>>;
  alterTopicConfig(name: string, entries: Record<string, string>): Promise<void>;
  partitionCount(name: string): Promise<number>;
  describeCluster(): Promise<ClusterView>;
  /** Every partition's leader and replicas, of these topics (all topics when none given). */
  partitionReplicas(
    names?: readonly string[],
  ): Promise<Array<{ topic: string; partitions: PartitionReplicas[] }>>;
  /** Move partitions onto these replica sets (Kafka copies, then drops; it finishes in the background). */
  reassignPartitions(
    name: string,
    assignments: Array<{ partition: number; replicas: number[] }>,
  ): Promise<void>;
  addPartitions(name: string, count: number): Promise<void>;
  topicOffsets(name: string): Promise<TopicOffsets[]>;
  topicOffsetsAt(name: string, timestampMs: number): Promise<Array<{ partition: number; offset: string }>>;
  groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>>;
  listGroups(): Promise<string[]>;
  /** The live members of a consumer group (none when it is empty or unknown): who holds it, where. */
  groupMembers(groupId: string): Promise<GroupMember[]>;
  /** Only allowed while the group has no live members (Kafka's own rule). */
  setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: Array<{ partition: number; offset: string }>,
  ): Promise<void>;
  /** The ACL bindings of these principals on topics and groups (what `primoart topics apply` manages). */
  describeAcls(principals: readonly string[]): Promise<AclBinding[]>;
  createAcls(bindings: readonly AclBinding[]): Promise<void>;
  deleteAcls(bindings: readonly AclBinding[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface KafkaConnection {
  producer(): Promise<Producer>;
  consumer(options: ConsumerOptions): Promise<Consumer>;
  admin(): Promise<Admin>;
}
