// The artifact-store without MinIO: what a batch puts, how many puts run at once, what a failed
// batch leaves behind, which records and store answers are poison, and the bucket race at start.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { S3Error } from 'minio';
import type { SynthArtifact, SynthArtifactRecord } from '../../../schemas/record-types.ts';
import { topics } from '../../../topics/catalog.ts';
import type { ValueCodec } from '../../../topics/codec.ts';
import { PoisonRecordError } from '../../../topics/poison-record.ts';
import { artifactStoreDefinition } from '../../../workers/artifact-store/definition.ts';
import {
  classifyStoreFailure,
  ensureBucket,
  minioClientFromConfig,
} from '../../../workers/artifact-store/object-store.ts';
import { storeArtifacts } from '../../../workers/artifact-store/writer.ts';
import { consumedMessage } from './fake-kafka.ts';

function artifact(ordinal: number, overrides: Partial<SynthArtifact> = {}): SynthArtifact {
  const data = Buffer.from(`image-${ordinal}`);
  return {
    result_id: '6f1c1a8e-0000-4000-8000-000000000001',
    transaction_id: '6f1c1a8e-0000-4000-8000-000000000002',
    step_index: 0,
    ordinal,
    content_type: 'image/png',
    sha256: createHash('sha256').update(data).digest('hex'),
    object_key: `screenshots/t/r/0-${ordinal}.png`,
    data,
    captured_at: new Date('2026-11-20T10:00:00Z'),
    received_at: new Date('2026-11-20T10:00:01Z'),
    ...overrides,
  };
}

interface Put {
  key: string;
  bytes: Buffer;
  metadata: Record<string, string>;
}

/** A putObject that records what it stored and how many puts overlapped; `failKey` is refused at once. */
function recordingStore(options: { failKey?: string; delayMs?: number } = {}) {
  const stored: Put[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    stored,
    maxInFlight: () => maxInFlight,
    client: {
      async putObject(
        _bucket: string,
        key: string,
        bytes: unknown,
        _size?: number,
        metadata?: Record<string, string>,
      ) {
        if (key === options.failKey)
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
        inFlight--;
        stored.push({ key, bytes: bytes as Buffer, metadata: metadata ?? {} });
        return { etag: 'e', versionId: null };
      },
    },
  };
}

test('a batch puts every screenshot under its key with its bytes, content type and origin', async () => {
  const store = recordingStore();
  const batch = [artifact(0), artifact(1, { step_index: 2, content_type: 'image/webp' })];
  await storeArtifacts(store.client, 'bucket', batch);
  assert.deepEqual(store.stored.map((p) => p.key).sort(), batch.map((a) => a.object_key).sort());
  const second = store.stored.find((p) => p.key === batch[1]?.object_key);
  assert.ok(second);
  assert.ok(second.bytes.equals(Buffer.from('image-1')));
  assert.equal(second.metadata['Content-Type'], 'image/webp');
  assert.equal(second.metadata['step-index'], '2');
  assert.equal(second.metadata.sha256, batch[1]?.sha256);
  assert.equal(second.metadata['result-id'], batch[1]?.result_id);
});

test('the same key twice in a batch is put once', async () => {
  const store = recordingStore();
  await storeArtifacts(store.client, 'bucket', [artifact(0), artifact(1), artifact(0)]);
  assert.equal(store.stored.length, 2);
});

test('puts run concurrently, never more at once than the bound', async () => {
  const store = recordingStore({ delayMs: 5 });
  await storeArtifacts(
    store.client,
    'bucket',
    Array.from({ length: 20 }, (_, i) => artifact(i)),
    { concurrency: 3 },
  );
  assert.equal(store.stored.length, 20);
  assert.equal(store.maxInFlight(), 3);
});

test('a failed put fails the batch, after the puts in flight settled, and starts no new ones', async () => {
  const store = recordingStore({ failKey: artifact(0).object_key, delayMs: 5 });
  const batch = Array.from({ length: 20 }, (_, i) => artifact(i));
  await assert.rejects(storeArtifacts(store.client, 'bucket', batch, { concurrency: 2 }), {
    code: 'ECONNREFUSED',
  });
  // Only the put that ran alongside the failing one completed; the rest waits for the retry.
  assert.deepEqual(
    store.stored.map((p) => p.key),
    [artifact(1).object_key],
  );
});

const s3Error = (code: string) => Object.assign(new S3Error(code), { code });

test('refusals of the object are poison; an unreachable or unwilling store is waited out', () => {
  assert.equal(classifyStoreFailure(s3Error('InvalidObjectName')), 'poison');
  assert.equal(classifyStoreFailure(s3Error('EntityTooLarge')), 'poison');
  assert.equal(classifyStoreFailure(s3Error('NoSuchBucket')), 'transient');
  assert.equal(classifyStoreFailure(s3Error('SlowDown')), 'transient');
  assert.equal(classifyStoreFailure(s3Error('InvalidAccessKeyId')), 'transient');
  assert.equal(
    classifyStoreFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    'transient',
  );
});

function definitionFor(decoded: SynthArtifact) {
  const codec: ValueCodec<SynthArtifactRecord> = {
    schemaId: 1,
    encode: async () => Buffer.alloc(0),
    decode: async () => ({}) as SynthArtifactRecord,
  };
  return artifactStoreDefinition({
    client: recordingStore().client,
    bucket: 'bucket',
    codec,
    fromRecord: () => decoded,
  });
}

test('a record whose bytes do not match its sha256 is poison; a matching one decodes', async () => {
  // Decoded by the topic it came from, as every worker's input.
  const onTopic = { topic: topics.synthArtifacts.name };
  const good = artifact(0);
  assert.equal(await definitionFor(good).decode(consumedMessage(0, onTopic)), good);
  const corrupt = artifact(0, { data: Buffer.from('other bytes') });
  await assert.rejects(definitionFor(corrupt).decode(consumedMessage(0, onTopic)), PoisonRecordError);
  await assert.rejects(
    definitionFor(good).decode(consumedMessage(0, { ...onTopic, value: null })),
    PoisonRecordError,
  );
});

test('a bucket another instance created first counts as there; other failures propagate', async () => {
  let made = 0;
  const racing = {
    bucketExists: async () => false,
    makeBucket: async () => {
      made++;
      throw s3Error('BucketAlreadyOwnedByYou');
    },
  };
  assert.equal(await ensureBucket(racing, 'bucket', 'us-east-1'), 'exists');
  assert.equal(made, 1);
  const existing = {
    bucketExists: async () => true,
    makeBucket: async () => assert.fail('not created twice'),
  };
  assert.equal(await ensureBucket(existing, 'bucket', 'us-east-1'), 'exists');
  const fresh = { bucketExists: async () => false, makeBucket: async () => undefined };
  assert.equal(await ensureBucket(fresh, 'bucket', 'us-east-1'), 'created');
  const denied = {
    bucketExists: async () => false,
    makeBucket: async () => {
      throw s3Error('AccessDenied');
    },
  };
  await assert.rejects(ensureBucket(denied, 'bucket', 'us-east-1'), { code: 'AccessDenied' });
});

// Bounded, so that a put hanging forever fails the test instead of stalling the suite.
test('a put to a store that accepts the connection and never answers fails instead of hanging', {
  timeout: 10_000,
}, async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as AddressInfo;
  try {
    const client = minioClientFromConfig(
      {
        endpoint: `http://127.0.0.1:${port}`,
        access_key: 'access-key',
        secret_key: 'secret-key',
        bucket: 'bucket',
        region: 'us-east-1',
      },
      { stalledAfterMs: 200 },
    );
    const failure = await storeArtifacts(client, 'bucket', [artifact(0)]).then(
      () => assert.fail('the put resolved against a silent store'),
      (error: unknown) => error,
    );
    assert.equal(classifyStoreFailure(failure), 'transient');
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
