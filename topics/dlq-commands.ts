// `primoart dlq list|show|replay`: the dead letters of every worker, read from the dead-letter topic
// (topics/dead-letters.ts says what a dead letter carries), and sent back to their origin topic for
// the group that dead-lettered them once the operator has fixed the cause. What went back is kept
// on a compacted topic (primoart.deadletter.replays.v1), so a second replay sends nothing twice.
//
// Everything printed comes from records a robot or an OTLP client shaped (keys, error messages
// quoting values): control characters are escaped, so no dead letter can drive the terminal.

import { parseArgs } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { loadConfig, parseConfigArgs } from '../core/config.ts';
import type { PrimoartConfig } from '../core/config-schema.ts';
import { createLogger } from '../core/logging.ts';
import { createProgress, formatDuration } from '../core/progress.ts';
import { table } from '../core/text-table.ts';
import { kafkaFromConfig } from './bus.ts';
import { catalog, topics } from './catalog.ts';
import { createTopicCodec } from './codec.ts';
import {
  type DeadLetter,
  type DeadLetterFilter,
  matchesFilter,
  parseDeadLetter,
  replayMessage,
} from './dead-letters.ts';
import type { KafkaConnection } from './port.ts';
import { readTopicSnapshot } from './topic-snapshot.ts';

/** What `dlq replay` needs to know of the workers, which topics/ cannot import. */
export interface WorkersView {
  /** The consumer group a worker runs with under this config (`workers.<name>.group_id` or the default). */
  groupOf(config: PrimoartConfig, worker: string): string;
  /** The topics a worker reads; undefined for a name that is no worker. */
  readsOf(worker: string): readonly string[] | undefined;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

/** Control characters (C0, DEL, C1) as \u escapes: what reaches the terminal is text only. */
export function printable(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls inside strings already, not DEL and the C1
 * range (U+009B is a CSI on many terminals); those become \u escapes, which JSON reads back as they were.
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

/** `--since`: an RFC 3339 time, or a duration back from now (`30m`, `6h`, `7d`). */
export function parseSince(value: string, now = new Date()): Date {
  const relative = /^(\d+)(s|m|h|d)$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new Error(`--since takes an RFC 3339 time or a duration such as 30m, 6h, 7d; not '${value}'`);
  return new Date(ms);
}

interface DlqBus {
  config: PrimoartConfig;
  kafka: KafkaConnection;
  rest: string[];
}

async function openBus(args: string[]): Promise<DlqBus> {
  const { configFile, rest } = parseConfigArgs(args);
  const config = await loadConfig(configFile);
  const logger = createLogger({ component: 'primoart-cli', level: 'error' });
  const kafka = kafkaFromConfig({ ...config.kafka, client_id: `${config.kafka.client_id}-cli` }, logger);
  return { config, kafka, rest };
}

const filterOptions = {
  worker: { type: 'string' },
  group: { type: 'string' },
  since: { type: 'string' },
} as const;

function filterOf(values: { worker?: string; group?: string; since?: string }): DeadLetterFilter {
  return {
    ...(values.worker === undefined ? {} : { worker: values.worker }),
    ...(values.group === undefined ? {} : { group: values.group }),
    ...(values.since === undefined ? {} : { since: parseSince(values.since) }),
  };
}

async function readDeadLetters(kafka: KafkaConnection): Promise<DeadLetter[]> {
  return (await readTopicSnapshot(kafka, topics.deadLetters.name)).map(parseDeadLetter);
}

interface ReplayEntry {
  replayedAt: Date;
  group: string;
  topic: string;
  partition: number;
  offset: string;
}

/** The ledger: every dead letter sent back so far, by its ref. */
async function readReplays(bus: DlqBus): Promise<Map<string, ReplayEntry>> {
  const codec = await createTopicCodec(bus.config.schema_registry.url, topics.deadLetterReplays);
  const replays = new Map<string, ReplayEntry>();
  for (const message of await readTopicSnapshot(bus.kafka, topics.deadLetterReplays.name)) {
    if (message.value === null || message.value.length === 0) continue;
    const record = await codec.decode(message.value);
    replays.set(record.dead_letter, {
      replayedAt: new Date(record.replayed_at),
      group: record.group_id,
      topic: record.origin_topic,
      partition: record.replayed_partition,
      offset: String(record.replayed_offset),
    });
  }
  return replays;
}

export async function dlqListCommand(args: string[]): Promise<number> {
  const bus = await openBus(args);
  const { values } = parseArgs({
    args: bus.rest,
    options: { ...filterOptions, limit: { type: 'string' }, json: { type: 'boolean' } },
  });
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`--limit takes a whole number ≥ 1, not '${values.limit}'`);
  const filter = filterOf(values);
  const [letters, replays] = await Promise.all([readDeadLetters(bus.kafka), readReplays(bus)]);
  const selected = letters.filter((letter) => matchesFilter(letter, filter));
  // The newest `limit`, oldest first, as a log reads.
  selected.sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime());
  const shown = selected.slice(-limit);
  if (values.json) {
    const rows = shown.map((letter) => ({
      ref: letter.ref,
      failed_at: letter.failedAt.toISOString(),
      worker: letter.worker,
      group: letter.group ?? null,
      origin: letter.origin,
      key: letter.key?.toString('utf8') ?? null,
      error: letter.error,
      replay_of: letter.replayOf ?? null,
      replayed_at: replays.get(letter.ref)?.replayedAt.toISOString() ?? null,
    }));
    out(printableJson(rows));
    return 0;
  }
  const rows = [
    ['REF', 'FAILED AT', 'WORKER', 'GROUP', 'ORIGIN', 'KEY', 'REPLAYED', 'ERROR'],
    ...shown.map((letter) => [
      letter.ref,
      letter.failedAt.toISOString().slice(0, 19).concat('Z'),
      letter.worker,
      letter.group ?? '-',
      `${letter.origin.topic}/${letter.origin.partition}@${letter.origin.offset}`,
      clip(letter.key?.toString('utf8') ?? '-', 40),
      replays.has(letter.ref) ? (replays.get(letter.ref)?.replayedAt.toISOString().slice(0, 19) ?? '') : '-',
      clip(letter.error, 100),
    ]),
  ].map((row) => row.map(printable));
  process.stdout.write(table(rows));
  const hidden = selected.length - shown.length;
  out(
    `${shown.length} dead letter(s)${hidden > 0 ? ` shown, ${hidden} older left out (--limit)` : ''}` +
      `; ${selected.filter((letter) => replays.has(letter.ref)).length} of them replayed`,
  );
  return 0;
}

/** Buffers (screenshots are megabytes) as their size and first bytes; everything else as it is. */
function describeValue(value: unknown): unknown {
  if (Buffer.isBuffer(value))
    return {
      bytes: value.length,
      hex: value.subarray(0, 32).toString('hex') + (value.length > 32 ? '…' : ''),
    };
  if (Array.isArray(value)) return value.map(describeValue);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describeValue(v)]));
  return value;
}

/** Hex, 16 bytes a line, the first 4 KiB: for what is not Avro of a known schema. */
function hexDump(buffer: Buffer): string {
  const lines: string[] = [];
  for (let at = 0; at < Math.min(buffer.length, 4096); at += 16) {
    const row = buffer.subarray(at, at + 16);
    const ascii = [...row]
      .map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.'))
      .join('');
    lines.push(
      `${at.toString(16).padStart(6, '0')}  ${row.toString('hex').replace(/(..)/g, '$1 ').padEnd(48)} ${ascii}`,
    );
  }
  if (buffer.length > 4096) lines.push(`… ${buffer.length - 4096} more bytes`);
  return lines.join('\n');
}

/** The value as Avro (Confluent wire format, writer schema from the registry), or why not. */
async function decodeValue(
  registryUrl: string,
  value: Buffer,
): Promise<{ decoded: unknown; schemaId: number } | string> {
  if (value.length < 5 || value[0] !== 0) return 'not in the Avro wire format (no magic byte 0)';
  const schemaId = value.readInt32BE(1);
  try {
    const type = (await new SchemaRegistry({ host: registryUrl }).getSchema(
      schemaId,
    )) as unknown as avro.Type;
    return { decoded: type.fromBuffer(value.subarray(5)), schemaId };
  } catch (error) {
    return `not readable as Avro with schema id ${schemaId}: ${(error as Error).message}`;
  }
}

export async function dlqShowCommand(args: string[]): Promise<number> {
  const bus = await openBus(args);
  const { positionals } = parseArgs({ args: bus.rest, options: {}, allowPositionals: true });
  const ref = positionals[0];
  if (ref === undefined || !/^\d+:\d+$/.test(ref))
    throw new Error(
      'dlq show needs a dead letter as partition:offset (the REF column of `primoart dlq list`)',
    );
  const letter = (await readDeadLetters(bus.kafka)).find((candidate) => candidate.ref === ref);
  if (letter === undefined) {
    process.stderr.write(`no dead letter ${ref} (expired after the topic's retention, or never there)\n`);
    return 1;
  }
  const replay = (await readReplays(bus)).get(ref);
  out(`dead letter ${ref} of ${topics.deadLetters.name}`);
  out(
    printable(
      `replayed: ${replay === undefined ? 'no' : `${replay.replayedAt.toISOString()} for ${replay.group}, to ${replay.topic}/${replay.partition}@${replay.offset}`}`,
    ),
  );
  out(`key: ${letter.key === null ? '(none)' : printable(letter.key.toString('utf8'))}`);
  out('headers:');
  for (const [name, value] of Object.entries(letter.headers))
    out(`  ${printable(name)}: ${printable(value)}`);
  const value = letter.value ?? Buffer.alloc(0);
  const read = await decodeValue(bus.config.schema_registry.url, value);
  if (typeof read === 'string') {
    out(printable(`value: ${value.length} bytes, ${read}:`));
    out(hexDump(value));
  } else {
    out(`value: ${value.length} bytes, Avro with schema id ${read.schemaId}:`);
    out(printableJson(describeValue(read.decoded)));
  }
  return 0;
}

/**
 * Why a dead letter cannot go back, or undefined: no readable origin; an origin its worker does not
 * read (a header says only what the dead-letter topic's writer said, and the CLI writes as the
 * admin); a compacted origin, where the copy, newer than the key's later records, would win over
 * them (keyed state is corrected by publishing its current value, not by a replay).
 */
export function refusalOf(letter: DeadLetter, readsOf: WorkersView['readsOf']): string | undefined {
  if (
    letter.worker === '' ||
    letter.origin.topic === '' ||
    !Number.isInteger(letter.origin.partition) ||
    !/^\d+$/.test(letter.origin.offset)
  )
    return 'without a readable origin';
  if (!readsOf(letter.worker)?.includes(letter.origin.topic))
    return 'from a topic their worker does not read';
  if (catalog.find((topic) => topic.name === letter.origin.topic)?.cleanupPolicy === 'compact')
    return 'from a compacted topic (keyed state: publish its current value instead)';
  return undefined;
}

export async function dlqReplayCommand(args: string[], workers: WorkersView): Promise<number> {
  const bus = await openBus(args);
  const { values } = parseArgs({
    args: bus.rest,
    options: {
      ...filterOptions,
      ref: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      all: { type: 'boolean' },
      wait: { type: 'string' },
    },
  });
  if (!values.all && [values.worker, values.group, values.since, values.ref].every((v) => v === undefined))
    throw new Error(
      'dlq replay: say which dead letters (--worker, --group, --since, --ref), or --all for every one',
    );
  const waitMs = (values.wait === undefined ? 60 : Number(values.wait)) * 1000;
  if (!Number.isFinite(waitMs) || waitMs < 0)
    throw new Error(`--wait takes seconds ≥ 0, not '${values.wait}'`);
  const filter = filterOf(values);
  const refs = values.ref === undefined ? undefined : new Set(values.ref);
  const [letters, replays] = await Promise.all([readDeadLetters(bus.kafka), readReplays(bus)]);
  const matching = letters.filter(
    (letter) => matchesFilter(letter, filter) && (refs === undefined || refs.has(letter.ref)),
  );
  const already = matching.filter((letter) => replays.has(letter.ref));
  const chosen = matching.filter((letter) => !replays.has(letter.ref));
  const refused = new Map<string, number>();
  const toSend = chosen.filter((letter) => {
    const reason = refusalOf(letter, workers.readsOf);
    if (reason !== undefined) refused.set(reason, (refused.get(reason) ?? 0) + 1);
    return reason === undefined;
  });
  const targetOf = (letter: DeadLetter) => letter.group ?? workers.groupOf(bus.config, letter.worker);
  const skipped = [
    `${already.length} already replayed`,
    ...[...refused].map(([reason, n]) => `${n} ${reason} (skipped)`),
  ].join(', ');

  if (values['dry-run']) {
    for (const letter of toSend)
      out(
        printable(
          `${letter.ref}  ${letter.worker} (${targetOf(letter)})  → ${letter.origin.topic}  key ${letter.key?.toString('utf8') ?? '-'}`,
        ),
      );
    out(`dry run: ${toSend.length} dead letter(s) would go back; ${skipped}`);
    return 0;
  }

  const started = Date.now();
  const progress = createProgress();
  const sent: Array<{ letter: DeadLetter; group: string; partition: number; offset: string }> = [];
  if (toSend.length > 0) {
    const codec = await createTopicCodec(bus.config.schema_registry.url, topics.deadLetterReplays);
    const producer = await bus.kafka.producer();
    try {
      for (const letter of toSend) {
        const group = targetOf(letter);
        // One at a time: each copy's offset is known, and the ledger entry follows its send, so an
        // interrupted replay re-sends at most the one in flight (and the stores' writes are idempotent).
        const [delivered] = await producer.send([
          { topic: letter.origin.topic, messages: [replayMessage(letter, group)] },
        ]);
        if (delivered === undefined || !/^\d+$/.test(delivered.baseOffset))
          throw new Error(`Kafka did not say where ${letter.ref} landed; it is not recorded as replayed`);
        await producer.send([
          {
            topic: topics.deadLetterReplays.name,
            messages: [
              {
                key: letter.ref,
                value: await codec.encode({
                  dead_letter: letter.ref,
                  worker: letter.worker,
                  group_id: group,
                  origin_topic: letter.origin.topic,
                  origin_partition: letter.origin.partition,
                  origin_offset: Number(letter.origin.offset),
                  replayed_partition: delivered.partition,
                  replayed_offset: Number(delivered.baseOffset),
                  replayed_at: Date.now(),
                }),
              },
            ],
          },
        ]);
        sent.push({ letter, group, partition: delivered.partition, offset: delivered.baseOffset });
        progress.update(`sent ${sent.length} of ${toSend.length} dead letter(s) back`);
      }
    } finally {
      await producer.disconnect();
    }
  }

  // Processed: the group committed past the copy. Until then it may still be dead-lettered again.
  const processed = await waitProcessed(bus.kafka, sent, waitMs, (done) =>
    progress.update(
      `${done} of ${sent.length} replayed dead letter(s) processed · waiting up to ${formatDuration(waitMs)}`,
    ),
  );
  const again =
    sent.length === 0
      ? []
      : (await readDeadLetters(bus.kafka)).filter((letter) =>
          sent.some((s) => s.letter.ref === letter.replayOf),
        );
  const pending = sent.length - processed;
  // A copy waits for its group: name the groups that have no member now (a one-off `--to-group`
  // run's, a stopped worker's), where it waits until someone runs them.
  const idle: string[] = [];
  if (pending > 0) {
    const admin = await bus.kafka.admin();
    try {
      for (const group of new Set(sent.map((s) => s.group)))
        if ((await admin.groupMembers(group)).length === 0) idle.push(group);
    } finally {
      await admin.disconnect();
    }
  }
  progress.done(
    `dlq replay: ${sent.length} dead letter(s) sent back, ${processed - again.length} processed, ` +
      `${again.length} dead-lettered again` +
      (again.length > 0 ? ` (${again.map((letter) => letter.ref).join(', ')})` : '') +
      (pending > 0
        ? `, ${pending} not yet processed after ${formatDuration(waitMs)}` +
          (idle.length > 0
            ? ` (no member runs ${printable(idle.join(', '))}: its copies wait until one does)`
            : " (its group's worker is behind)")
        : '') +
      `; ${skipped}; ${formatDuration(Date.now() - started)}`,
  );
  return again.length > 0 || pending > 0 ? 1 : 0;
}

/** How many of `sent` their group has committed past, waiting up to `waitMs` for the rest. */
async function waitProcessed(
  kafka: KafkaConnection,
  sent: ReadonlyArray<{ group: string; letter: DeadLetter; partition: number; offset: string }>,
  waitMs: number,
  onProgress: (done: number) => void,
): Promise<number> {
  if (sent.length === 0) return 0;
  const admin = await kafka.admin();
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      let done = 0;
      const committed = new Map<string, Map<number, bigint>>();
      for (const { group, letter, partition, offset } of sent) {
        const key = `${group}\u0000${letter.origin.topic}`;
        let offsets = committed.get(key);
        if (offsets === undefined) {
          offsets = new Map(
            (await admin.groupOffsets(group, letter.origin.topic)).map((o) => [
              o.partition,
              BigInt(o.offset),
            ]),
          );
          committed.set(key, offsets);
        }
        if ((offsets.get(partition) ?? -1n) > BigInt(offset)) done++;
      }
      onProgress(done);
      if (done === sent.length || Date.now() >= deadline) return done;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await admin.disconnect();
  }
}
