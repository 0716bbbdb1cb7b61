// Publishes maintenance windows created and deleted through the console (console/api/
// maintenance-windows.ts) to the compacted topic primoart.maintenance-windows.v1, keyed by the
// window's id, a delete as a tombstone; each resolves once Kafka acknowledged it (acks=all). Every
// event detector and console reads the topic (console/maintenance-window-view.ts).
import type { MaintenanceWindowRecord } from '../schemas/maintenance-window-record.ts';
import { topics } from '../topics/catalog.ts';
import type { ValueCodec } from '../topics/codec.ts';
import type { Producer } from '../topics/port.ts';
import { apiKeyIdHeader, type PublishedRecord, publishAcknowledged } from './bus-publisher.ts';

export interface MaintenanceWindowPublisher {
  publish(record: MaintenanceWindowRecord): Promise<PublishedRecord>;
  /** A tombstone for the window, with the key that deleted it in its header. */
  remove(id: string, keyId: string): Promise<PublishedRecord>;
}

export function createMaintenanceWindowPublisher(options: {
  producer: Producer;
  codec: ValueCodec<MaintenanceWindowRecord>;
  /** Give up waiting for Kafka's acknowledgement after this long. */
  timeoutMs: number;
}): MaintenanceWindowPublisher {
  const send = (key: string, value: Buffer | null, keyId: string) =>
    publishAcknowledged(
      options.producer,
      topics.maintenanceWindows.name,
      { key, value, headers: { [apiKeyIdHeader]: keyId } },
      options.timeoutMs,
    );
  return {
    publish: async (record) => send(record.id, await options.codec.encode(record), record.created_by_key_id),
    remove: (id, keyId) => send(id, null, keyId),
  };
}
