// An in-memory KafkaConnection for unit tests of the worker harness. It hands the harness batches on
// demand and records, in one timeline, what the harness did with them (commits, pauses,
// dead-letter sends), so tests can assert the order of effects without a broker.
import type {
  Admin,
  BatchControl,
  ConsumedMessage,
  Consumer,
  ConsumerOptions,
  DeliveredRecord,
  KafkaConnection,
  OutgoingMessage,
  PartitionBatch,
  Producer,
} from '../../../topics/port.ts';

type BatchHandler = (batch: PartitionBatch, control: BatchControl) => Promise<void>;

export interface SentMessage extends OutgoingMessage {
  topic: string;
}

export class FakeProducer implements Producer {
  readonly sent: SentMessage[] = [];
  sendAttempts = 0;
  disconnected = false;
  /** Called at the start of every send with its 1-based attempt number, to act mid-retry. */
  onSendAttempt: (attempt: number) => void = () => {};
  private failuresLeft = 0;
  private failure: Error = new Error('broker unavailable');
  private readonly timeline: string[];

  constructor(timeline: string[]) {
    this.timeline = timeline;
  }

  /** Make the next `count` sends reject with `error`. */
  failNextSends(count: number, error: Error): void {
    this.failuresLeft = count;
    this.failure = error;
  }

  async send(batches: Array<{ topic: string; messages: OutgoingMessage[] }>): Promise<DeliveredRecord[]> {
    this.sendAttempts++;
    this.onSendAttempt(this.sendAttempts);
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      this.timeline.push('send failed');
      throw this.failure;
    }
    const delivered: DeliveredRecord[] = [];
    for (const { topic, messages } of batches) {
      delivered.push({ topic, partition: 0, baseOffset: String(this.sent.length) });
      for (const message of messages) {
        this.sent.push({ topic, ...message });
        this.timeline.push(`send ${topic}`);
      }
    }
    return delivered;
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

export class FakeConsumer implements Consumer {
  readonly commits: Array<{ topic: string; partition: number; offset: string }> = [];
  /** Every pauseFor the harness asked for, in ms. */
  readonly pauses: number[] = [];
  stopped = false;
  private handler: BatchHandler | undefined;
  private readonly revoked = new Set<string>();
  private readonly options: ConsumerOptions;
  private readonly timeline: string[];

  constructor(options: ConsumerOptions, timeline: string[]) {
    this.options = options;
    this.timeline = timeline;
  }

  async run(handle: BatchHandler): Promise<void> {
    this.handler = handle;
  }

  async joined(): Promise<void> {}

  async stop(): Promise<void> {
    this.stopped = true;
  }

  assignment(): Array<{ topic: string; partition: number }> {
    return this.options.topics.map((topic) => ({ topic, partition: 0 }));
  }

  /** Take `topic`/`partition` away from this member, as a rebalance would. */
  revoke(topic: string, partition: number): void {
    this.revoked.add(`${topic}/${partition}`);
  }

  /**
   * Hand the harness one batch, as the client library would, and resolves when the harness is done
   * with it. When the harness pauses the partition, wait out the pause and hand back what was not
   * committed, again and again, as kafkajs does after a resume.
   */
  async deliver(batch: PartitionBatch): Promise<void> {
    const handler = this.handler;
    if (handler === undefined) throw new Error('the harness has not called consumer.run yet');
    const key = `${batch.topic}/${batch.partition}`;
    let pending = batch;
    for (;;) {
      let pausedFor: number | undefined;
      let committed: string | undefined;
      const control: BatchControl = {
        commit: async (nextOffset) => {
          committed = nextOffset;
          this.commits.push({ topic: batch.topic, partition: batch.partition, offset: nextOffset });
          this.timeline.push(`commit ${nextOffset}`);
        },
        pauseFor: (ms) => {
          pausedFor = ms;
          this.pauses.push(ms);
          this.timeline.push('pause');
        },
        markProcessed: () => {},
        stillAssigned: () => !this.stopped && !this.revoked.has(key),
      };
      await handler(pending, control);
      if (pausedFor === undefined || this.stopped || this.revoked.has(key)) return;
      await new Promise((resolve) => setTimeout(resolve, pausedFor));
      if (this.stopped || this.revoked.has(key)) return;
      const from = committed;
      pending = {
        ...pending,
        messages:
          from === undefined
            ? pending.messages
            : pending.messages.filter((m) => BigInt(m.offset) >= BigInt(from)),
      };
    }
  }
}

export class FakeKafka implements KafkaConnection {
  /** Every observable effect, in order: `write …` (pushed by tests), `send …`, `commit …`. */
  readonly timeline: string[] = [];
  readonly producers: FakeProducer[] = [];
  readonly consumers: FakeConsumer[] = [];

  async producer(): Promise<FakeProducer> {
    const producer = new FakeProducer(this.timeline);
    this.producers.push(producer);
    return producer;
  }

  async consumer(options: ConsumerOptions): Promise<FakeConsumer> {
    const consumer = new FakeConsumer(options, this.timeline);
    this.consumers.push(consumer);
    return consumer;
  }

  async admin(): Promise<Admin> {
    throw new Error('the worker harness does not use the admin client');
  }
}

/** A message as the consumer would hand it over; the value is `value-<offset>` unless given. */
export function consumedMessage(offset: number, overrides: Partial<ConsumedMessage> = {}): ConsumedMessage {
  return {
    topic: 'primoart.test.results',
    partition: 0,
    offset: String(offset),
    key: Buffer.from(`key-${offset}`),
    value: Buffer.from(`value-${offset}`),
    headers: {},
    timestamp: 1_700_000_000_000 + offset,
    ...overrides,
  };
}

/** A batch of consecutive messages starting at `firstOffset` on the test topic, partition 0. */
export function partitionBatch(firstOffset: number, count: number): PartitionBatch {
  const messages = Array.from({ length: count }, (_, i) => consumedMessage(firstOffset + i));
  return {
    topic: 'primoart.test.results',
    partition: 0,
    messages,
    highWatermark: String(firstOffset + count),
  };
}
