// The CONTRACT's rules one by one, at their boundaries: the last accepted value and the first refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransactionResultPayload } from '../../../schemas/record-types.ts';
import { transactionResultLimits, validateTransactionResult } from '../../../schemas/transaction-result.ts';
import { minimalPayload } from './example-files.ts';

const options = { now: new Date('2026-11-23T12:00:00Z'), defaultEnvironment: 'production' };
const tinyPng =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR42mPQbNiJFTEMLQkAcMZYgZauTKgAAAAASUVORK5CYII=';
const tinyJpeg =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABgf/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCUAHVPf//Z';
const tinyWebp = 'UklGRh4AAABXRUJQVlA4TBEAAAAvB8ABAAdQ154UrP+BiOh/AAA=';

/** The error paths of a payload built from the minimal example; [] when it is valid. */
function errorPathsAfter(change: (payload: TransactionResultPayload) => void, now = options.now): string[] {
  const payload = minimalPayload();
  change(payload);
  const validation = validateTransactionResult(payload, { ...options, now });
  return validation.ok ? [] : validation.errors.map((error) => error.path);
}

test('the minimal example is valid: the other tests change one thing in it', () => {
  assert.deepEqual(
    errorPathsAfter(() => {}),
    [],
  );
});

test('transaction_name: 256 characters pass, 257 do not; characters are code points, not bytes', () => {
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { transaction_name: 'n'.repeat(256) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { transaction_name: '🚀'.repeat(256) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { transaction_name: 'n'.repeat(257) })),
    ['transaction_name'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { transaction_name: '' })),
    ['transaction_name'],
  );
});

test('service and project: 128 characters pass, 129 do not; empty is refused', () => {
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { service: 's'.repeat(128), project: 'p'.repeat(128) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { service: 's'.repeat(129), project: 'p'.repeat(129) })),
    ['service', 'project'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { project: '' })),
    ['project'],
  );
});

test('steps[].name: 256 characters pass, 257 do not', () => {
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p.steps[0] ?? {}, { name: 'n'.repeat(256) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p.steps[0] ?? {}, { name: 'n'.repeat(257) })),
    ['steps[0].name'],
  );
});

test('error_message: 8 KiB of UTF-8 passes, one byte more does not, whatever the character count', () => {
  const max = transactionResultLimits.errorMessageMaxBytes;
  assert.equal(max, 8192);
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { error_message: 'e'.repeat(max) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { error_message: 'é'.repeat(max / 2) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { error_message: 'e'.repeat(max + 1) })),
    ['error_message'],
  );
  // 4097 characters, 8193 bytes.
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { error_message: `${'é'.repeat(max / 2)}e` })),
    ['error_message'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p.steps[0] ?? {}, { error_message: 'e'.repeat(max) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p.steps[0] ?? {}, { error_message: 'e'.repeat(max + 1) })),
    ['steps[0].error_message'],
  );
});

test('log: 1 MiB passes, one byte more does not', () => {
  const max = transactionResultLimits.logMaxBytes;
  assert.equal(max, 1024 * 1024);
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { log: 'l'.repeat(max) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { log: 'l'.repeat(max + 1) })),
    ['log'],
  );
});

function steps(count: number): TransactionResultPayload['steps'] {
  return Array.from({ length: count }, (_, index) => ({
    index,
    name: `step ${index}`,
    started_at: '2026-11-20T10:00:01Z',
    finished_at: '2026-11-20T10:00:02Z',
    status: 'OK' as const,
  }));
}

test('steps: 1 and 500 pass; 0 and 501 are refused at `steps`', () => {
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { steps: steps(500) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { steps: steps(501) })),
    ['steps'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { steps: [] })),
    ['steps'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { steps: {} })),
    ['steps'],
  );
});

test('steps[].index: 0 passes, -1, 1.5, "1" and duplicates are refused; order does not matter', () => {
  const withIndexes =
    (...indexes: unknown[]) =>
    (p: TransactionResultPayload) => {
      p.steps = steps(indexes.length).map((step, position) => ({
        ...step,
        index: indexes[position] as number,
      }));
    };
  assert.deepEqual(errorPathsAfter(withIndexes(3, 0, 7)), []);
  assert.deepEqual(errorPathsAfter(withIndexes(-1)), ['steps[0].index']);
  assert.deepEqual(errorPathsAfter(withIndexes(1.5)), ['steps[0].index']);
  assert.deepEqual(errorPathsAfter(withIndexes('1')), ['steps[0].index']);
  assert.deepEqual(errorPathsAfter(withIndexes(0, 1, 0, 1)), ['steps[2].index', 'steps[3].index']);
});

test('step times may lie 1 s outside the run, not 1.001 s', () => {
  // The run is 10:00:00.000Z .. 10:00:05.000Z.
  const stepAt = (started_at: string, finished_at: string) => (p: TransactionResultPayload) => {
    Object.assign(p.steps[0] ?? {}, { started_at, finished_at });
  };
  assert.deepEqual(errorPathsAfter(stepAt('2026-11-20T09:59:59.000Z', '2026-11-20T10:00:06.000Z')), []);
  assert.deepEqual(errorPathsAfter(stepAt('2026-11-20T09:59:58.999Z', '2026-11-20T10:00:01.000Z')), [
    'steps[0].started_at',
  ]);
  assert.deepEqual(errorPathsAfter(stepAt('2026-11-20T10:00:01.000Z', '2026-11-20T10:00:06.001Z')), [
    'steps[0].finished_at',
  ]);
  assert.deepEqual(errorPathsAfter(stepAt('2026-11-20T10:00:07.000Z', '2026-11-20T10:00:08.000Z')), [
    'steps[0].started_at',
    'steps[0].finished_at',
  ]);
  // A step that ends before it starts is refused even inside the run.
  assert.deepEqual(errorPathsAfter(stepAt('2026-11-20T10:00:03.000Z', '2026-11-20T10:00:02.999Z')), [
    'steps[0].finished_at',
  ]);
});

test('finished_at may equal started_at but not precede it', () => {
  const run = (started_at: string, finished_at: string) => (p: TransactionResultPayload) => {
    Object.assign(p, { started_at, finished_at });
    Object.assign(p.steps[0] ?? {}, { started_at, finished_at: started_at });
  };
  assert.deepEqual(errorPathsAfter(run('2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z')), []);
  assert.deepEqual(errorPathsAfter(run('2026-11-20T10:00:00Z', '2026-11-20T09:59:59.999Z')), ['finished_at']);
});

test('finished_at may be 5 minutes ahead of the gateway clock, not 5 minutes and 1 ms', () => {
  const finishedAt = '2026-11-20T10:00:05.000Z';
  const now = (aheadMillis: number) => new Date(Date.parse(finishedAt) - aheadMillis);
  assert.deepEqual(
    errorPathsAfter(() => {}, now(5 * 60 * 1000)),
    [],
  );
  assert.deepEqual(
    errorPathsAfter(() => {}, now(5 * 60 * 1000 + 1)),
    ['finished_at'],
  );
});

test('times need an RFC 3339 offset and must exist; other offsets and precisions are fine', () => {
  const startedAt = (started_at: string) => (p: TransactionResultPayload) => Object.assign(p, { started_at });
  for (const good of [
    '2026-11-20T10:00:00Z',
    '2026-11-20t10:00:00z',
    '2026-11-20T12:00:00+02:00',
    '2026-11-20T05:30:00-04:30',
    '2026-11-20T10:00:00.123456789Z',
    '2026-11-20T09:59:59.5Z',
  ]) {
    assert.deepEqual(errorPathsAfter(startedAt(good)), [], good);
  }
  for (const bad of [
    '2026-11-20T10:00:00',
    '2026-11-20T10:00:00.000',
    '2026-11-20 10:00:00Z',
    '2026-11-20',
    '2026-11-20T10:00Z',
    '2026-02-29T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-11-20T24:00:00Z',
    '2026-11-20T10:60:00Z',
    '2026-11-20T10:00:60Z',
    '2026-11-20T10:00:00+24:00',
    '2026-11-20T10:00:00+0200',
    '1763632800000',
    '',
  ]) {
    assert.deepEqual(errorPathsAfter(startedAt(bad)), ['started_at'], bad);
  }
  assert.deepEqual(errorPathsAfter(startedAt(1763632800000 as unknown as string)), ['started_at']);
});

test('a time with an offset means the same instant as its UTC form, with milliseconds kept', () => {
  const payload = minimalPayload();
  Object.assign(payload, { started_at: '2026-11-20T12:00:00.123999+02:00' });
  const validation = validateTransactionResult(payload, options);
  assert.ok(validation.ok);
  assert.equal(validation.value.started_at.toISOString(), '2026-11-20T10:00:00.123Z');
});

test('the leap day exists in leap years only', () => {
  const run = (day: string) => (p: TransactionResultPayload) => {
    Object.assign(p, { started_at: `${day}T10:00:00Z`, finished_at: `${day}T10:00:05Z` });
    Object.assign(p.steps[0] ?? {}, { started_at: `${day}T10:00:01Z`, finished_at: `${day}T10:00:02Z` });
  };
  assert.deepEqual(errorPathsAfter(run('2024-02-29')), []);
  assert.deepEqual(errorPathsAfter(run('2000-02-29')), []);
  assert.deepEqual(errorPathsAfter(run('2100-02-29')), [
    'started_at',
    'finished_at',
    'steps[0].started_at',
    'steps[0].finished_at',
  ]);
});

test('status: exactly OK, WARNING or FAIL', () => {
  for (const status of ['OK', 'WARNING', 'FAIL']) {
    assert.deepEqual(
      errorPathsAfter((p) => Object.assign(p, { status })),
      [],
      status,
    );
  }
  for (const status of ['ok', 'Warning', 'ERROR', '', 1, null]) {
    assert.deepEqual(
      errorPathsAfter((p) => Object.assign(p, { status })),
      ['status'],
      String(status),
    );
  }
});

test('UUIDs: any version in 8-4-4-4-12 hex; lowercased so one run has one idempotency key', () => {
  const payload = minimalPayload();
  payload.result_id = payload.result_id.toUpperCase();
  const validation = validateTransactionResult(payload, options);
  assert.ok(validation.ok);
  assert.equal(validation.value.result_id, payload.result_id.toLowerCase());
  for (const bad of [
    '',
    'not-a-uuid',
    '{7b3ea1d0-5c2f-4e8a-9d61-000000000001}',
    '7b3ea1d05c2f4e8a9d61000000000001',
  ]) {
    assert.deepEqual(
      errorPathsAfter((p) => Object.assign(p, { robot_id: bad })),
      ['robot_id'],
      bad,
    );
  }
});

test('location: latitude -90..90 and longitude -180..180 inclusive; any part may be left out', () => {
  const at = (latitude: unknown, longitude: unknown) => (p: TransactionResultPayload) =>
    Object.assign(p, { location: { latitude, longitude } });
  assert.deepEqual(errorPathsAfter(at(-90, -180)), []);
  assert.deepEqual(errorPathsAfter(at(90, 180)), []);
  assert.deepEqual(errorPathsAfter(at(90.0001, -180.0001)), ['location.latitude', 'location.longitude']);
  assert.deepEqual(errorPathsAfter(at('50.1', 8)), ['location.latitude']);
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { location: { city: 'Oslo' } })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { location: 'Oslo' })),
    ['location'],
  );
});

test('error_code: any integer; target_duration_ms: an integer above 0', () => {
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { error_code: -2147467259, target_duration_ms: 1 })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { error_code: 2 ** 53 })),
    ['error_code'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { target_duration_ms: 1.5 })),
    ['target_duration_ms'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { target_duration_ms: '3000' })),
    ['target_duration_ms'],
  );
});

function screenshotsOf(count: number, data = tinyPng): TransactionResultPayload['screenshots'] {
  return Array.from({ length: count }, () => ({ step_index: 0, content_type: 'image/png' as const, data }));
}

test('screenshots: 20 pass, 21 are refused at `screenshots`', () => {
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { screenshots: screenshotsOf(20) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { screenshots: screenshotsOf(21) })),
    ['screenshots'],
  );
});

test('a screenshot may decode to 5 MiB, not one byte more', () => {
  const max = transactionResultLimits.screenshotMaxBytes;
  assert.equal(max, 5 * 1024 * 1024);
  const pngOfSize = (size: number) => {
    const bytes = Buffer.alloc(size);
    Buffer.from(tinyPng, 'base64').copy(bytes);
    return bytes.toString('base64');
  };
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { screenshots: screenshotsOf(1, pngOfSize(max)) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { screenshots: screenshotsOf(1, pngOfSize(max + 1)) })),
    ['screenshots[0].data'],
  );
});

test('screenshot data must be strict standard base64', () => {
  const unpadded = tinyPng.replace(/=+$/, '');
  const urlSafe = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xfb, 0xff]).toString(
    'base64url',
  );
  const wrapped = `${tinyPng.slice(0, 76)}\n${tinyPng.slice(76)}`;
  // Same bytes as tinyPng to a lenient decoder, but the bits after the last byte are not zero.
  const nonCanonical = tinyPng.replace(/YII=$/, 'YIJ=');
  assert.notEqual(nonCanonical, tinyPng);
  assert.deepEqual(Buffer.from(nonCanonical, 'base64'), Buffer.from(tinyPng, 'base64'));
  for (const data of [
    unpadded,
    urlSafe,
    wrapped,
    nonCanonical,
    ` ${tinyPng}`,
    '',
    'data:image/png;base64,AAAA',
  ]) {
    assert.deepEqual(
      errorPathsAfter((p) => Object.assign(p, { screenshots: screenshotsOf(1, data) })),
      ['screenshots[0].data'],
      JSON.stringify(data.slice(0, 30)),
    );
  }
});

test('screenshot bytes must be a well-formed image of the declared type: PNG, JPEG and WebP', () => {
  const png = Buffer.from(tinyPng, 'base64');
  const jpeg = Buffer.from(tinyJpeg, 'base64');
  const webp = Buffer.from(tinyWebp, 'base64');
  const wave = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1e, 0, 0, 0]), Buffer.from('WAVEfmt ')]);
  // Only a signature: what a check of the first bytes alone let through.
  const jpegSignature = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
  const webpSignature = Buffer.concat([
    Buffer.from('RIFF'),
    Buffer.from([0x1e, 0, 0, 0]),
    Buffer.from('WEBPVP8L'),
  ]);
  const html = Buffer.from('<html><script>alert(1)</script></html>');
  const cases: Array<[string, Buffer, string[]]> = [
    ['image/png', png, []],
    ['image/jpeg', jpeg, []],
    ['image/webp', webp, []],
    ['image/jpeg', jpegSignature, ['screenshots[0].data']],
    ['image/webp', webpSignature, ['screenshots[0].data']],
    ['image/png', Buffer.concat([png.subarray(0, 8), html]), ['screenshots[0].data']],
    ['image/webp', Buffer.concat([webp.subarray(0, 12), html]), ['screenshots[0].data']],
    ['image/jpeg', Buffer.concat([jpeg.subarray(0, 4), html]), ['screenshots[0].data']],
    ['image/webp', wave, ['screenshots[0].data']],
    ['image/png', jpeg, ['screenshots[0].data']],
    ['image/jpeg', webp, ['screenshots[0].data']],
    ['image/webp', png, ['screenshots[0].data']],
    ['image/png', png.subarray(0, 7), ['screenshots[0].data']],
  ];
  for (const [content_type, bytes, expected] of cases) {
    const screenshots = [{ step_index: 0, content_type, data: bytes.toString('base64') }];
    assert.deepEqual(
      errorPathsAfter((p) => Object.assign(p, { screenshots })),
      expected,
      content_type,
    );
  }
});

test('attributes: 64 string entries pass, 65 are refused at `attributes`, a non-string value at its key', () => {
  const entries = (count: number) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, `v${i}`]));
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { attributes: entries(64) })),
    [],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { attributes: entries(65) })),
    ['attributes'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { attributes: { 'build id': 7, ok: 'yes', flag: true } })),
    ['attributes["build id"]', 'attributes.flag'],
  );
  assert.deepEqual(
    errorPathsAfter((p) => Object.assign(p, { attributes: ['a'] })),
    ['attributes'],
  );
});

test('unknown fields are refused at every level, with a hint when they look like a typo', () => {
  const payload = JSON.parse(
    JSON.stringify({
      ...minimalPayload(),
      finshed_at: '2026-11-20T10:00:05Z',
      location: { city: 'Oslo', contry: 'NO' },
      screenshots: [{ step_index: 0, content_type: 'image/png', data: tinyPng, caption: 'x' }],
    }),
  );
  payload.steps[0].stauts = 'OK';
  const validation = validateTransactionResult(
    JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(payload).slice(1)}`),
    options,
  );
  assert.equal(validation.ok, false);
  if (validation.ok) return;
  assert.deepEqual(validation.errors.map((error) => error.path).toSorted(), [
    '__proto__',
    'finshed_at',
    'location.contry',
    'screenshots[0].caption',
    'steps[0].stauts',
  ]);
  const messageAt = (path: string) => validation.errors.find((error) => error.path === path)?.message ?? '';
  assert.match(messageAt('finshed_at'), /did you mean "finished_at"/);
  assert.match(messageAt('location.contry'), /did you mean "country"/);
});

test('null in an optional field means "not sent"; the default environment fills in', () => {
  const payload = {
    ...minimalPayload(),
    project: null,
    environment: null,
    location: null,
    screenshots: null,
    attributes: null,
  };
  const validation = validateTransactionResult(payload, { ...options, defaultEnvironment: 'prod-eu' });
  assert.ok(validation.ok);
  assert.equal(validation.value.environment, 'prod-eu');
  assert.equal(validation.value.project, null);
  assert.deepEqual(validation.value.screenshots, []);
  assert.deepEqual(validation.value.attributes, {});
  const withEnvironment = validateTransactionResult({ ...minimalPayload(), environment: 'staging' }, options);
  assert.ok(withEnvironment.ok);
  assert.equal(withEnvironment.value.environment, 'staging');
});

test('a payload with problems everywhere lists every one of them, in contract field order', () => {
  const payload = {
    ...minimalPayload(),
    result_id: 'r-1',
    transaction_name: 7,
    location: { latitude: 100 },
    started_at: '2026-11-20T10:00:00',
    finished_at: '2099-01-01T00:00:00Z',
    status: 'PASSED',
    error_code: 1.5,
    steps: [
      {
        index: 0,
        name: '',
        started_at: '2026-11-20T10:00:00Z',
        finished_at: '2026-11-20T10:00:01Z',
        status: 'OK',
      },
      {
        index: 0,
        name: 'b',
        started_at: 'soon',
        finished_at: '2099-06-01T00:00:00Z',
        status: 'DONE',
        extra: 1,
      },
    ],
    screenshots: [{ step_index: 9, content_type: 'image/gif', data: '***' }],
    attributes: { a: 1 },
    surprise: true,
  };
  const validation = validateTransactionResult(payload, options);
  assert.equal(validation.ok, false);
  if (validation.ok) return;
  assert.deepEqual(
    validation.errors.map((error) => error.path),
    [
      'result_id',
      'transaction_name',
      'location.latitude',
      'started_at',
      'finished_at',
      'status',
      'error_code',
      'steps[0].name',
      'steps[1].extra',
      'steps[1].started_at',
      'steps[1].finished_at',
      'steps[1].status',
      'steps[1].index',
      'screenshots[0].step_index',
      'screenshots[0].content_type',
      'screenshots[0].data',
      'attributes.a',
      'surprise',
    ],
  );
});

test('anything but a JSON object is refused at the document itself', () => {
  for (const input of [null, [], 'result', 42, undefined]) {
    const validation = validateTransactionResult(input, options);
    assert.deepEqual(validation.ok ? [] : validation.errors.map((error) => error.path), [''], String(input));
  }
});
