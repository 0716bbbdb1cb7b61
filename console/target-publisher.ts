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
import { apiKeyIdHeader, type PublishedRecord, publishAcknowledged } from './bus-publisher.ts';

export type PublishedTarget = PublishedRecord;

export interface TargetPublisher {
  publish(record: SlaTargetRecord): Promise<PublishedTarget>;
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
      return publishAcknowledged(
        options.producer,
        topics.slaTargets.name,
        { key: slaTargetKey(record), value, headers: { [apiKeyIdHeader]: record.set_by_key_id } },
        options.timeoutMs,
      );
    },
  };
}
