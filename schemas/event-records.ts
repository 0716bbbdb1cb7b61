// A detected event as the Avro record of primoart.events.v1 (detected-event.avsc), and back: the
// event detector writes it, synth-store and the Alerta forwarder read it.
import { type DetectedEvent, type DetectedEventRecord, eventKinds } from './record-types.ts';

export function toEventRecord(event: DetectedEvent): DetectedEventRecord {
  return { ...event, occurred_at: event.occurred_at.getTime() };
}

const severities: ReadonlySet<string> = new Set(['critical', 'major', 'warning', 'normal']);

/** The event of a record; throws naming the field when a record carries a value this code does not know. */
export function fromEventRecord(record: DetectedEventRecord): DetectedEvent {
  if (record.action !== 'open' && record.action !== 'clear')
    throw new Error(`unknown event action "${String(record.action)}"`);
  if (!(eventKinds as readonly string[]).includes(record.kind))
    throw new Error(`unknown event kind "${String(record.kind)}"`);
  if (!severities.has(record.severity))
    throw new Error(`unknown event severity "${String(record.severity)}"`);
  if (record.baseline !== null && record.baseline.state !== 'learning' && record.baseline.state !== 'ready')
    throw new Error(`unknown baseline state "${String(record.baseline.state)}"`);
  // Plain objects: avsc decodes records as instances of generated classes.
  const baseline = record.baseline === null ? null : { ...record.baseline };
  return { ...record, baseline, occurred_at: new Date(record.occurred_at) };
}
