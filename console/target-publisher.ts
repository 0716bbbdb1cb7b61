// Publishes a target SLA change (PUT /api/v1/targets/…) to the compacted topic
// primoart.console.sla-targets.v1, keyed by the object, and resolves with where Kafka put it once it
// acknowledged it (acks=all). The console never writes to a store: synth-store stores the record
// (synth_sla_targets, and the audit synth_sla_target_changes) and the PUT reads it back by that
// position (console/api/targets.ts).
import type { SlaTargetRecord } from '../schemas/record-types.ts';
import { slaTargetKey } from '../schemas/sla-target.ts';
import { topics } from '../topics/catalog.ts';
import type { ValueCodec } from '../topics/codec.ts';
import type { Producer } from '../topics/port.ts';
import { DependencyUnavailableError } from './endpoint.ts';

/** The header naming the API key a record was published for (as the gateway's; CONTRACT.md). */
export const apiKeyIdHeader = 'primoart.api_key_id';

export interface PublishedTarget {
  partition: number;
  offset: string;
}

export interface TargetPublisher {
  publish(record: SlaTargetRecord): Promise<PublishedTarget>;
}

/**
 * Kafka did not acknowledge in time, or refused: the change may or may not be on the topic (a PUT
 * repeated is the same target again). The frame answers 503 naming `kafka`.
 */
export class TargetNotPublishedError extends DependencyUnavailableError {
  constructor(message: string) {
    super('kafka', message);
    this.name = 'TargetNotPublishedError';
  }
}

export function createTargetPublisher(options: {
  producer: Producer;
  codec: ValueCodec<SlaTargetRecord>;
  /** Give up waiting for Kafka's acknowledgement after this long. */
  timeoutMs: number;
}): TargetPublisher {
  return {
    async publish(record) {
      const value = await options.codec.encode(record);
      const signal = AbortSignal.timeout(options.timeoutMs);
      const timedOut = new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () =>
          reject(new TargetNotPublishedError(`no acknowledgement within ${options.timeoutMs} ms`)),
        ),
      );
      const delivered = await Promise.race([
        options.producer.send([
          {
            topic: topics.slaTargets.name,
            messages: [
              { key: slaTargetKey(record), value, headers: { [apiKeyIdHeader]: record.set_by_key_id } },
            ],
          },
        ]),
        timedOut,
      ]).catch((error: unknown) => {
        if (error instanceof TargetNotPublishedError) throw error;
        throw new TargetNotPublishedError((error as Error).message);
      });
      const [first] = delivered;
      if (first === undefined) throw new TargetNotPublishedError('Kafka acknowledged no record');
      return { partition: first.partition, offset: first.baseOffset };
    },
  };
}
