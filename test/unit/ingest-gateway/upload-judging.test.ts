// Upload bodies are parsed and judged off the event loop when large, on it when small; the answer
// is the same either way.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createUploadJudge, inlineMaxBytes } from '../../../ingest-gateway/upload-judging.ts';
import { minimalPayload } from '../schemas/example-files.ts';

const options = { now: new Date('2026-11-23T12:00:00Z'), defaultEnvironment: 'production' };
const tinyPng =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR42mPQbNiJFTEMLQkAcMZYgZauTKgAAAAASUVORK5CYII=';
const judge = createUploadJudge({ threads: 1, maxQueue: 4 });
after(() => judge.close());

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

test('small bodies: malformed JSON, an empty body (an empty object, as body-parser has it), a valid result', async () => {
  const malformed = await judge.judge(Buffer.from('{"result_id": '), options);
  assert.ok(malformed.kind === 'malformed' && malformed.message.length > 0);
  const empty = await judge.judge(Buffer.alloc(0), options);
  assert.ok(empty.kind === 'judged' && empty.upload.kind === 'single' && !empty.upload.validation.ok);
  const valid = await judge.judge(body(minimalPayload()), options);
  assert.ok(valid.kind === 'judged' && valid.upload.kind === 'single' && valid.upload.validation.ok);
  // A UTF-8 byte-order mark is not part of the JSON.
  const bom = await judge.judge(
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body(minimalPayload())]),
    options,
  );
  assert.ok(bom.kind === 'judged' && bom.upload.kind === 'single' && bom.upload.validation.ok);
});

test('large bodies are judged on a worker thread with the same answers', async () => {
  const steps = await judge.judge(
    body({ ...minimalPayload(), steps: Array.from({ length: 100_000 }, () => ({})) }),
    options,
  );
  assert.ok(steps.kind === 'judged' && steps.upload.kind === 'single' && !steps.upload.validation.ok);
  assert.deepEqual(
    steps.upload.validation.errors.map((error) => error.path),
    ['steps'],
  );
  const malformed = await judge.judge(Buffer.from(`[${'1,'.repeat(inlineMaxBytes)}`), options);
  assert.equal(malformed.kind, 'malformed');
});

test('screenshots judged on a worker come back as Buffers (avsc encodes only Buffers as bytes)', async () => {
  const payload = {
    ...minimalPayload(),
    log: 'l'.repeat(inlineMaxBytes),
    screenshots: [{ step_index: 0, content_type: 'image/png', data: tinyPng }],
  };
  const batch = await judge.judge(body({ results: [payload, payload] }), options);
  assert.ok(batch.kind === 'judged' && batch.upload.kind === 'batch');
  for (const item of batch.upload.items) {
    assert.ok(item.validation.ok);
    const bytes = item.validation.value.screenshots[0]?.bytes;
    assert.ok(Buffer.isBuffer(bytes));
    assert.equal(bytes.toString('base64'), tinyPng);
    assert.ok(item.validation.value.started_at instanceof Date);
  }
});
